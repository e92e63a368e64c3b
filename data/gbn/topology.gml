graph [
  directed 0
  label "GBN"
  node [
    id 0
    label "GBN-0"
    graphics [
      x 355.6
      y 650.0
    ]
  ]
  node [
    id 1
    label "GBN-1"
    graphics [
      x 735.2
      y 571.9
    ]
  ]
  node [
    id 2
    label "GBN-2"
    graphics [
      x 566.8
      y 607.0
    ]
  ]
  node [
    id 3
    label "GBN-3"
    graphics [
      x 808.5
      y 470.9
    ]
  ]
  node [
    id 4
    label "GBN-4"
    graphics [
      x 574.6
      y 468.1
    ]
  ]
  node [
    id 5
    label "GBN-5"
    graphics [
      x 86.1
      y 519.0
    ]
  ]
  node [
    id 6
    label "GBN-6"
    graphics [
      x 50.0
      y 385.0
    ]
  ]
  node [
    id 7
    label "GBN-7"
    graphics [
      x 287.7
      y 373.1
    ]
  ]
  node [
    id 8
    label "GBN-8"
    graphics [
      x 330.5
      y 511.2
    ]
  ]
  node [
    id 9
    label "GBN-9"
    graphics [
      x 700.5
      y 366.9
    ]
  ]
  node [
    id 10
    label "GBN-10"
    graphics [
      x 518.5
      y 322.3
    ]
  ]
  node [
    id 11
    label "GBN-11"
    graphics [
      x 415.4
      y 194.8
    ]
  ]
  node [
    id 12
    label "GBN-12"
    graphics [
      x 726.2
      y 242.5
    ]
  ]
  node [
    id 13
    label "GBN-13"
    graphics [
      x 492.9
      y 67.5
    ]
  ]
  node [
    id 14
    label "GBN-14"
    graphics [
      x 710.5
      y 102.5
    ]
  ]
  node [
    id 15
    label "GBN-15"
    graphics [
      x 924.7
      y 50.0
    ]
  ]
  node [
    id 16
    label "GBN-16"
    graphics [
      x 950.0
      y 185.3
    ]
  ]
  edge [
    source 0
    target 2
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 0
    target 8
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 1
    target 2
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 1
    target 3
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 1
    target 4
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 2
    target 4
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 3
    target 4
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 3
    target 9
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 4
    target 8
    LinkSpeedRaw 40000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 4
    target 9
    LinkSpeedRaw 40000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 4
    target 10
    LinkSpeedRaw 40000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 5
    target 6
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 5
    target 8
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 6
    target 7
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 7
    target 8
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 7
    target 10
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 9
    target 10
    LinkSpeedRaw 40000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 9
    target 12
    LinkSpeedRaw 40000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 10
    target 11
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 10
    target 12
    LinkSpeedRaw 40000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 11
    target 13
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 12
    target 14
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 12
    target 16
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 13
    target 14
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 14
    target 15
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
  edge [
    source 15
    target 16
    LinkSpeedRaw 10000.0
    QueuePackets 32
    PropagationDelay 0.0
  ]
]
