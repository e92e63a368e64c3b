# A small regional backbone in the Internet Topology Zoo's GML dialect, written for pathcast's
# tests: every link states its speed in LinkSpeedRaw (bit/s), and every node has coordinates.
graph [
  directed 0
  label "Stated"
  node [ id 0 label "Amsterdam" Latitude 52.37 Longitude 4.89 ]
  node [ id 1 label "Utrecht" Latitude 52.09 Longitude 5.12 ]
  node [ id 2 label "Rotterdam" Latitude 51.92 Longitude 4.48 ]
  node [ id 3 label "Eindhoven" Latitude 51.44 Longitude 5.47 ]
  node [ id 4 label "Groningen" Latitude 53.22 Longitude 6.57 ]
  node [ id 5 label "Enschede" Latitude 52.22 Longitude 6.89 ]
  edge [ source 0 target 1 LinkSpeed "10" LinkSpeedUnits "G" LinkSpeedRaw 10000000000.0 LinkLabel "10 Gbps" ]
  edge [ source 0 target 2 LinkSpeed "10" LinkSpeedUnits "G" LinkSpeedRaw 10000000000.0 LinkLabel "10 Gbps" ]
  edge [ source 1 target 2 LinkSpeed "2.5" LinkSpeedUnits "G" LinkSpeedRaw 2500000000.0 LinkLabel "2.5 Gbps" ]
  edge [ source 1 target 3 LinkSpeed "10" LinkSpeedUnits "G" LinkSpeedRaw 10000000000.0 LinkLabel "10 Gbps" ]
  edge [ source 2 target 3 LinkSpeed "1" LinkSpeedUnits "G" LinkSpeedRaw 1000000000.0 LinkLabel "1 Gbps" ]
  edge [ source 0 target 4 LinkSpeed "2.5" LinkSpeedUnits "G" LinkSpeedRaw 2500000000.0 LinkLabel "2.5 Gbps" ]
  edge [ source 4 target 5 LinkSpeed "622" LinkSpeedUnits "M" LinkSpeedRaw 622000000.0 LinkLabel "622 Mbps" ]
  edge [ source 1 target 5 LinkSpeed "2.5" LinkSpeedUnits "G" LinkSpeedRaw 2500000000.0 LinkLabel "2.5 Gbps" ]
]
