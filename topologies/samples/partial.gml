# A network in the Internet Topology Zoo's GML dialect, written for pathcast's tests, that states
# some speeds and not others, as 81 of the 261 Zoo files do: LinkSpeedRaw on some links,
# LinkSpeed with LinkSpeedUnits (no raw figure) on one, and nothing on two. pathcast gives those
# two the median of the stated speeds and says so.
graph [
  directed 0
  label "Partial"
  node [ id 0 label "Lisbon" Latitude 38.72 Longitude -9.14 ]
  node [ id 1 label "Porto" Latitude 41.15 Longitude -8.61 ]
  node [ id 2 label "Madrid" Latitude 40.42 Longitude -3.70 ]
  node [ id 3 label "Barcelona" Latitude 41.39 Longitude 2.17 ]
  node [ id 4 label "Valencia" Latitude 39.47 Longitude -0.38 ]
  node [ id 5 label "Seville" Latitude 37.39 Longitude -5.98 ]
  edge [ source 0 target 1 LinkSpeedRaw 10000000000.0 ]
  edge [ source 0 target 2 LinkSpeedRaw 10000000000.0 ]
  edge [ source 1 target 2 LinkSpeedRaw 2500000000.0 ]
  edge [ source 2 target 3 LinkSpeed "40" LinkSpeedUnits "G" ]
  edge [ source 2 target 4 ]
  edge [ source 3 target 4 LinkSpeedRaw 10000000000.0 ]
  edge [ source 0 target 5 ]
  edge [ source 2 target 5 LinkSpeedRaw 2500000000.0 ]
]
