//! The cluster lab's commands: the keys' actions (a node more, a node
//! stopped or killed, `acks_late`, a batch, the broker started again).
//! Each returns at once; what follows is reported by `poll`.

use std::time::Instant;

use super::broker;
use super::controller::ClusterLab;
use super::error::ClusterError;
use super::link::{BatchId, Command};
use super::node::{LocalNode, NodeId};
use super::producer;
use super::report::ClusterEvent;
use super::settings::{MAX_CONCURRENCY, MAX_NODES, TaskKind};
use super::view::BrokerState;

impl ClusterLab {
    /// Starts a node (`n`): `celery -A tasks worker -c C -n nodeK@%h -E`.
    pub fn add_node(&mut self) -> Result<NodeId, ClusterError> {
        let live = self.nodes.iter().filter(|n| !n.end_told).count();
        if live >= MAX_NODES {
            return Err(ClusterError::NodeCap(MAX_NODES));
        }
        let id = self.next_node;
        let node = LocalNode::start(
            &self.spawner,
            &self.python,
            &self.dir,
            &self.url,
            self.settings.visibility_timeout,
            id,
            self.settings.concurrency,
            &self.hostname,
            &self.node_suffix,
        )
        .map_err(|error| ClusterError::NodeSpawn { id, error })?;
        self.next_node += 1;
        self.node_book.started(&node.name, node.pid());
        self.pending.push(ClusterEvent::NodeStarted {
            id,
            name: node.name.clone(),
            pid: node.pid(),
        });
        self.nodes.push(node);
        Ok(id)
    }

    fn running_node(&mut self, id: NodeId) -> Result<&mut LocalNode, ClusterError> {
        let n = self
            .nodes
            .iter_mut()
            .find(|n| n.id == id)
            .ok_or(ClusterError::NoSuchNode(id))?;
        if n.end_told || !n.is_running() {
            return Err(ClusterError::NodeEnded(id));
        }
        Ok(n)
    }

    /// Stops the newest running node warmly (`N`): SIGTERM, Celery's warm
    /// shutdown, which finishes the tasks under way and puts back on the
    /// queue those it had taken but not started.
    pub fn stop_newest(&mut self) -> Result<NodeId, ClusterError> {
        let id = self
            .nodes
            .iter_mut()
            .rev()
            .find_map(|n| (!n.end_told && n.stop.is_none() && n.is_running()).then_some(n.id))
            .ok_or(ClusterError::NoNodeToStop)?;
        self.stop_node(id)?;
        Ok(id)
    }

    /// SIGTERM to one node.
    pub fn stop_node(&mut self, id: NodeId) -> Result<(), ClusterError> {
        let n = self.running_node(id)?;
        n.signal(true)
            .map_err(|error| ClusterError::Signal { id, error })
    }

    /// SIGKILL to one node (`k`): whatever it held is left to the broker.
    pub fn kill_node(&mut self, id: NodeId) -> Result<(), ClusterError> {
        let n = self.running_node(id)?;
        n.signal(false)
            .map_err(|error| ClusterError::Signal { id, error })
    }

    /// Local nodes whose process runs, oldest first.
    pub fn running_nodes(&self) -> Vec<NodeId> {
        self.nodes
            .iter()
            .filter(|n| !n.end_told)
            .map(|n| n.id)
            .collect()
    }

    /// What the next node started will be called before its `@`: `node3`.
    pub fn next_node_stem(&self) -> String {
        format!("node{}{}", self.next_node, self.node_suffix)
    }

    /// The pid of a local node's main process.
    pub fn node_pid(&self, id: NodeId) -> Option<u32> {
        self.nodes.iter().find(|n| n.id == id).map(|n| n.pid())
    }

    /// A local node's pool processes, from `/proc` now.
    pub fn node_pool(&self, id: NodeId) -> Vec<u32> {
        self.nodes
            .iter()
            .find(|n| n.id == id && !n.end_told)
            .map(|n| n.pool_pids())
            .unwrap_or_default()
    }

    /// `acks_late` for the tasks sent from now on (`a`).
    pub fn set_acks_late(&mut self, on: bool) {
        self.settings.acks_late = on;
    }

    /// Pool processes of the nodes started from now on (`+`/`-`).
    pub fn set_concurrency(&mut self, c: usize) -> Result<(), ClusterError> {
        if !(1..=MAX_CONCURRENCY).contains(&c) {
            return Err(ClusterError::Invalid(format!(
                "concurrency {c}: expected 1 to {MAX_CONCURRENCY}"
            )));
        }
        self.settings.concurrency = c;
        Ok(())
    }

    /// What a batch sends and how many.
    pub fn set_batch(&mut self, task: TaskKind, k: usize) -> Result<(), ClusterError> {
        let mut s = self.settings.clone();
        s.task = task;
        s.batch = k;
        s.check().map_err(ClusterError::Invalid)?;
        self.settings = s;
        Ok(())
    }

    /// Sends a batch (`b`) of the lab's task, as its Python line would.
    pub fn send_batch(&mut self) -> BatchId {
        let (task, k, late) = (
            self.settings.task,
            self.settings.batch,
            self.settings.acks_late,
        );
        self.send(task, k, late)
    }

    /// Sends `k` tasks of one kind; what became of them is reported by `poll`.
    pub fn send(&mut self, task: TaskKind, k: usize, acks_late: bool) -> BatchId {
        let batch = self.next_batch;
        self.next_batch += 1;
        let specs = producer::specs(
            &task.task_name(acks_late),
            &task.args(),
            &task.args_repr(),
            k,
        );
        self.book.sending(batch, &specs, Instant::now());
        self.sending.insert(batch, task.batch_line(acks_late, k));
        self.link.ask(Command::Send {
            batch,
            tasks: specs,
        });
        batch
    }

    /// Asks the nodes for their `stats` now.
    pub fn ask_stats(&self) {
        self.link.ask(Command::Stats);
    }

    /// Starts the lab's own redis-server again (`R`), on the same port.
    pub fn restart_broker(&mut self) -> Result<(), ClusterError> {
        let Some(b) = self.broker.as_mut() else {
            return Err(ClusterError::NotOwnBroker(self.url.to_string()));
        };
        if b.is_running() {
            return Err(ClusterError::BrokerRunning);
        }
        b.restart(&self.spawner, &self.settings.redis_server, &self.dir)
            .map_err(|error| ClusterError::BrokerSpawn {
                program: self.settings.redis_server.display().to_string(),
                error,
            })?;
        self.broker_state = BrokerState::Starting;
        self.pending.push(ClusterEvent::BrokerStarted {
            port: b.port(),
            pid: b.pid(),
        });
        Ok(())
    }

    /// The pid of the lab's own redis-server.
    pub fn broker_pid(&self) -> Option<u32> {
        self.broker.as_ref().map(|b| b.pid())
    }

    /// The command line of the lab's own redis-server.
    pub fn broker_shell_line(&self) -> Option<String> {
        self.broker.as_ref().map(|b| broker::shell_line(b.port()))
    }
}
