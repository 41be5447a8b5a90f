//! What can go wrong when the cluster lab is opened or commanded.

use super::node::NodeId;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("{0}")]
    Settings(String),
    #[error("the cluster lab needs {missing}; install with: {command}")]
    Missing { missing: String, command: String },
    #[error("cannot make the lab's private folder: {0}")]
    Folder(std::io::Error),
    #[error("cannot start the lab's process supervisor: {0}")]
    Supervisor(String),
    #[error("cannot start redis-server ({program}): {error}")]
    BrokerSpawn {
        program: String,
        error: std::io::Error,
    },
    #[error("cannot start the lab's broker threads: {0}")]
    Threads(std::io::Error),
    #[error("cannot start node {id}: {error}")]
    NodeSpawn { id: NodeId, error: std::io::Error },
    #[error("cannot start another node: the lab's cap of {0} local nodes is reached")]
    NodeCap(usize),
    #[error("there is no running node to stop")]
    NoNodeToStop,
    #[error("there is no node {0}")]
    NoSuchNode(NodeId),
    #[error("node {0} has already ended")]
    NodeEnded(NodeId),
    #[error("cannot signal node {id}: {error}")]
    Signal { id: NodeId, error: std::io::Error },
    #[error("the broker {0} was not started by proclab, so proclab does not restart it")]
    NotOwnBroker(String),
    #[error("redis-server is still running")]
    BrokerRunning,
    #[error("a speedup run is under way")]
    SpeedupRunning,
    #[error("{0}")]
    Invalid(String),
}
