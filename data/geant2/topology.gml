graph [
  directed 0
  label "GEANT2"
  node [
    id 0
    label "GEANT2-0"
    graphics [
      x 745.0
      y 618.1
    ]
  ]
  node [
    id 1
    label "GEANT2-1"
    graphics [
      x 749.9
      y 493.8
    ]
  ]
  node [
    id 2
    label "GEANT2-2"
    graphics [
      x 568.3
      y 650.0
    ]
  ]
  node [
    id 3
    label "GEANT2-3"
    graphics [
      x 618.1
      y 544.5
    ]
  ]
  node [
    id 4
    label "GEANT2-4"
    graphics [
      x 401.9
      y 596.3
    ]
  ]
  node [
    id 5
    label "GEANT2-5"
    graphics [
      x 509.1
      y 459.1
    ]
  ]
  node [
    id 6
    label "GEANT2-6"
    graphics [
      x 630.4
      y 427.7
    ]
  ]
  node [
    id 7
    label "GEANT2-7"
    graphics [
      x 383.9
      y 468.2
    ]
  ]
  node [
    id 8
    label "GEANT2-8"
    graphics [
      x 484.9
      y 351.8
    ]
  ]
  node [
    id 9
    label "GEANT2-9"
    graphics [
      x 778.0
      y 382.3
    ]
  ]
  node [
    id 10
    label "GEANT2-10"
    graphics [
      x 950.0
      y 373.5
    ]
  ]
  node [
    id 11
    label "GEANT2-11"
    graphics [
      x 306.3
      y 399.6
    ]
  ]
  node [
    id 12
    label "GEANT2-12"
    graphics [
      x 656.9
      y 283.5
    ]
  ]
  node [
    id 13
    label "GEANT2-13"
    graphics [
      x 825.7
      y 306.0
    ]
  ]
  node [
    id 14
    label "GEANT2-14"
    graphics [
      x 132.9
      y 381.1
    ]
  ]
  node [
    id 15
    label "GEANT2-15"
    graphics [
      x 50.0
      y 275.2
    ]
  ]
  node [
    id 16
    label "GEANT2-16"
    graphics [
      x 193.9
      y 207.8
    ]
  ]
  node [
    id 17
    label "GEANT2-17"
    graphics [
      x 360.0
      y 250.6
    ]
  ]
  node [
    id 18
    label "GEANT2-18"
    graphics [
      x 476.3
      y 232.6
    ]
  ]
  node [
    id 19
    label "GEANT2-19"
    graphics [
      x 765.3
      y 183.1
    ]
  ]
  node [
    id 20
    label "GEANT2-20"
    graphics [
      x 352.2
      y 331.2
    ]
  ]
  node [
    id 21
    label "GEANT2-21"
    graphics [
      x 599.5
      y 165.9
    ]
  ]
  node [
    id 22
    label "GEANT2-22"
    graphics [
      x 647.3
      y 50.0
    ]
  ]
  node [
    id 23
    label "GEANT2-23"
    graphics [
      x 799.9
      y 68.1
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
    source 1
    target 3
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 1
    target 6
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 1
    target 9
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 2
    target 3
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 2
    target 4
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 3
    target 5
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 3
    target 6
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 4
    target 7
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 5
    target 8
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 6
    target 8
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 6
    target 9
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 7
    target 8
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 7
    target 11
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 8
    target 11
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 8
    target 12
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 8
    target 17
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 8
    target 18
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 8
    target 20
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
    LinkSpeedRaw 40000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 9
    target 13
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
    target 14
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 11
    target 20
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 12
    target 13
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 12
    target 19
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 12
    target 21
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 14
    target 15
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 15
    target 16
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 16
    target 17
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 17
    target 18
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 18
    target 21
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 19
    target 23
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 21
    target 22
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 22
    target 23
    LinkSpeedRaw 10000.0
    CapacitySource "raw"
    QueuePackets 32
    PropagationDelay 0.0
  ]
]
