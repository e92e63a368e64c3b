graph [
  directed 0
  label "NSFNet"
  node [
    id 0
    label "Seattle"
    Latitude 47.61
    Longitude -122.33
    graphics [
      x 53.4
      y 59.8
    ]
  ]
  node [
    id 1
    label "Palo Alto"
    Latitude 37.44
    Longitude -122.14
    graphics [
      x 57.2
      y 314.0
    ]
  ]
  node [
    id 2
    label "San Diego"
    Latitude 32.72
    Longitude -117.16
    graphics [
      x 156.8
      y 432.0
    ]
  ]
  node [
    id 3
    label "Salt Lake City"
    Latitude 40.76
    Longitude -111.89
    graphics [
      x 262.2
      y 231.0
    ]
  ]
  node [
    id 4
    label "Boulder"
    Latitude 40.01
    Longitude -105.27
    graphics [
      x 394.6
      y 249.8
    ]
  ]
  node [
    id 5
    label "Houston"
    Latitude 29.76
    Longitude -95.37
    graphics [
      x 592.6
      y 506.0
    ]
  ]
  node [
    id 6
    label "Lincoln"
    Latitude 40.81
    Longitude -96.7
    graphics [
      x 566.0
      y 229.7
    ]
  ]
  node [
    id 7
    label "Champaign"
    Latitude 40.12
    Longitude -88.24
    graphics [
      x 735.2
      y 247.0
    ]
  ]
  node [
    id 8
    label "Ann Arbor"
    Latitude 42.28
    Longitude -83.74
    graphics [
      x 825.2
      y 193.0
    ]
  ]
  node [
    id 9
    label "Ithaca"
    Latitude 42.44
    Longitude -76.5
    graphics [
      x 970.0
      y 189.0
    ]
  ]
  node [
    id 10
    label "Pittsburgh"
    Latitude 40.44
    Longitude -79.99
    graphics [
      x 900.2
      y 239.0
    ]
  ]
  node [
    id 11
    label "Princeton"
    Latitude 40.35
    Longitude -74.66
    graphics [
      x 1006.8
      y 241.2
    ]
  ]
  node [
    id 12
    label "Atlanta"
    Latitude 33.75
    Longitude -84.39
    graphics [
      x 812.2
      y 406.2
    ]
  ]
  node [
    id 13
    label "College Park"
    Latitude 38.98
    Longitude -76.94
    graphics [
      x 961.2
      y 275.5
    ]
  ]
  edge [
    source 0
    target 1
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 0
    target 2
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 0
    target 3
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 1
    target 2
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 1
    target 7
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 2
    target 5
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 3
    target 4
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 3
    target 8
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 4
    target 5
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 4
    target 6
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 5
    target 12
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 5
    target 13
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 6
    target 7
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 7
    target 10
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 8
    target 9
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 8
    target 11
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 9
    target 10
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 9
    target 12
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 10
    target 11
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 10
    target 13
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 11
    target 12
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
]
