# A network in the Internet Topology Zoo's GML dialect, written for pathcast's tests, that states
# its speeds only in link labels, in the forms real Zoo files use (SONET/SDH names, T-carrier
# names with a rate, multipliers, ranges, Ethernet names); one label names no speed and counts as
# assumed.
graph [
  directed 0
  label "Labels"
  node [ id 0 label "Boston" Latitude 42.36 Longitude -71.06 ]
  node [ id 1 label "New York" Latitude 40.71 Longitude -74.01 ]
  node [ id 2 label "Washington" Latitude 38.91 Longitude -77.04 ]
  node [ id 3 label "Chicago" Latitude 41.88 Longitude -87.63 ]
  node [ id 4 label "Atlanta" Latitude 33.75 Longitude -84.39 ]
  node [ id 5 label "Cleveland" Latitude 41.50 Longitude -81.69 ]
  edge [ source 0 target 1 LinkLabel "OC192/STM64" ]
  edge [ source 1 target 2 LinkLabel "2x10Gb/s" ]
  edge [ source 1 target 3 LinkLabel "45 Mbps DS-3" ]
  edge [ source 2 target 4 LinkLabel "1-20Gbps" ]
  edge [ source 3 target 5 LinkLabel "10GE" ]
  edge [ source 5 target 1 LinkLabel "STM-16" ]
  edge [ source 3 target 4 LinkLabel "Leased line" ]
]
