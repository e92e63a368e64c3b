# A network in the Internet Topology Zoo's GML dialect, written for pathcast's tests, that states
# no link speed at all, as 120 of the 261 Zoo files do: pathcast gives every link one uniform
# capacity (1 Gbit/s unless told otherwise) and says so.
graph [
  directed 0
  label "Unstated"
  node [ id 0 label "Oslo" Latitude 59.91 Longitude 10.75 ]
  node [ id 1 label "Stockholm" Latitude 59.33 Longitude 18.07 ]
  node [ id 2 label "Copenhagen" Latitude 55.68 Longitude 12.57 ]
  node [ id 3 label "Helsinki" Latitude 60.17 Longitude 24.94 ]
  node [ id 4 label "Gothenburg" Latitude 57.71 Longitude 11.97 ]
  edge [ source 0 target 1 ]
  edge [ source 0 target 4 ]
  edge [ source 4 target 2 ]
  edge [ source 1 target 2 ]
  edge [ source 1 target 3 ]
]
