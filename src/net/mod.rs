//! The network model: topology, GML, routing, traffic and scenarios.

pub mod builtin;
pub mod files;
pub mod geo;
pub mod gml;
pub mod layout;
pub mod qos;
pub mod random;
pub mod routing;
pub mod scenario;
pub mod topology;
pub mod traffic;
pub mod units;

pub use qos::{ClassQueue, MAX_CLASSES, Policy, Qos, QosError, Scheduler};
pub use routing::{Metric, Path, RouteError, Routing};
pub use scenario::{
    DelayTargets, FailureCase, Flow, PacketSizes, Scenario, ScenarioError, Srlg, TrafficSpec,
};
pub use topology::{
    CapacitySource, DEFAULT_CAPACITY_BPS, DEFAULT_QUEUE_PACKETS, DirectedLink, LinkParams, Node, NodeId,
    Topology, TopologyError,
};
pub use traffic::TrafficMatrix;
