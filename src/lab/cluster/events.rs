//! Celery's events, as a node started with `-E` publishes them on the
//! `celeryev` exchange: `worker-online`, `worker-heartbeat` (every 2 s),
//! `worker-offline`, and for each task `task-received`, `task-started`,
//! `task-succeeded` or `task-failed`. A node buffers its task events and
//! publishes them together as one `task.multi` message holding a list, so
//! a body is either one event or a list of them.

use serde_json::Value;

/// What a node says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerEventKind {
    Online,
    Heartbeat,
    Offline,
}

/// What a node says about a task.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskEventKind {
    /// Taken off the queue (prefetched): not yet running.
    Received {
        name: String,
        args: String,
    },
    /// Handed to a pool process.
    Started,
    /// `result` is Python's `repr` of the return value.
    Succeeded {
        result: String,
        runtime: f64,
    },
    Failed {
        exception: String,
    },
    /// Retried, rejected, revoked: named, not followed further.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerEvent {
    pub kind: WorkerEventKind,
    pub hostname: String,
    /// The node's main process, on its own machine.
    pub pid: Option<u32>,
    /// Seconds between heartbeats.
    pub freq: f64,
    /// Tasks running now.
    pub active: u32,
    /// Tasks taken since it started.
    pub processed: u64,
    /// The node's clock (seconds since the epoch).
    pub timestamp: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskEvent {
    pub kind: TaskEventKind,
    pub id: String,
    pub hostname: String,
    pub timestamp: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CeleryEvent {
    Worker(WorkerEvent),
    Task(TaskEvent),
}

/// The events in one message body; what is not an event is left out.
pub fn decode_events(body: &Value) -> Vec<CeleryEvent> {
    match body {
        Value::Array(items) => items.iter().filter_map(decode_one).collect(),
        other => decode_one(other).into_iter().collect(),
    }
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

fn decode_one(v: &Value) -> Option<CeleryEvent> {
    let kind = v.get("type")?.as_str()?;
    let hostname = text(v, "hostname");
    let timestamp = number(v, "timestamp");
    let worker = |kind| {
        Some(CeleryEvent::Worker(WorkerEvent {
            kind,
            hostname: hostname.clone(),
            pid: v.get("pid").and_then(Value::as_u64).map(|p| p as u32),
            freq: number(v, "freq"),
            active: v.get("active").and_then(Value::as_u64).unwrap_or(0) as u32,
            processed: v.get("processed").and_then(Value::as_u64).unwrap_or(0),
            timestamp,
        }))
    };
    match kind {
        "worker-online" => return worker(WorkerEventKind::Online),
        "worker-heartbeat" => return worker(WorkerEventKind::Heartbeat),
        "worker-offline" => return worker(WorkerEventKind::Offline),
        _ => {}
    }
    let task = kind.strip_prefix("task-")?;
    let kind = match task {
        "received" => TaskEventKind::Received {
            name: text(v, "name"),
            args: text(v, "args"),
        },
        "started" => TaskEventKind::Started,
        "succeeded" => TaskEventKind::Succeeded {
            result: text(v, "result"),
            runtime: number(v, "runtime"),
        },
        "failed" => TaskEventKind::Failed {
            exception: text(v, "exception"),
        },
        other => TaskEventKind::Other(other.to_string()),
    };
    Some(CeleryEvent::Task(TaskEvent {
        kind,
        id: text(v, "uuid"),
        hostname,
        timestamp,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_heartbeat_and_a_batch_of_task_events_decode() {
        let beat = json!({"hostname": "node1@vm", "pid": 42, "freq": 2.0, "active": 1,
            "processed": 5, "timestamp": 10.5, "type": "worker-heartbeat"});
        let events = decode_events(&beat);
        let [CeleryEvent::Worker(w)] = &events[..] else {
            panic!("not one worker event: {events:?}");
        };
        assert_eq!(w.kind, WorkerEventKind::Heartbeat);
        assert_eq!(
            (w.pid, w.active, w.processed, w.freq),
            (Some(42), 1, 5, 2.0)
        );

        let multi = json!([
            {"type": "task-received", "uuid": "a", "name": "tasks.noop", "args": "()",
             "hostname": "node2@vm", "timestamp": 1.0},
            {"type": "task-succeeded", "uuid": "a", "result": "9592", "runtime": 0.1,
             "hostname": "node2@vm", "timestamp": 1.2},
            {"type": "task-failed", "uuid": "b", "exception": "ValueError()",
             "hostname": "node2@vm"},
            {"no": "type"},
        ]);
        let events = decode_events(&multi);
        assert_eq!(events.len(), 3);
        let CeleryEvent::Task(t) = &events[1] else {
            panic!("not a task event")
        };
        assert_eq!(t.id, "a");
        assert_eq!(
            t.kind,
            TaskEventKind::Succeeded {
                result: "9592".into(),
                runtime: 0.1
            }
        );
    }
}
