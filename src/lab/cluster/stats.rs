//! Remote control: asking every node for its `stats`, as
//! `app.control.inspect().stats()` does, and reading the replies.
//!
//! The request is PUBLISHed on the `celery.pidbox` fanout channel. Each
//! node answers on the `reply.celery.pidbox` direct exchange with the
//! asker's id as routing key; kombu's Redis transport routes that through
//! the exchange's binding set (`_kombu.binding.reply.celery.pidbox`) to a
//! list, which proclab reads. Heartbeats say how busy a node is; only
//! `stats` says how many pool processes it has, which of them, and how
//! many messages it may prefetch - for nodes on other machines too.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::wire::{self, BINDING_SEP, REPLY_EXCHANGE};

/// Replies read at one look at most.
const REPLIES_PER_LOOK: usize = 64;
/// How long a node may still act on a request (Python's default timeout).
const REQUEST_TTL_SECS: f64 = 1.0;

/// What one node said of itself.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStats {
    pub hostname: String,
    pub pid: Option<u32>,
    /// `pool.max-concurrency`: its pool processes.
    pub concurrency: Option<usize>,
    /// `pool.processes`: their pids, on the node's machine.
    pub processes: Vec<u32>,
    /// Messages it may hold unacknowledged at once.
    pub prefetch_count: Option<u64>,
    /// Seconds since it started.
    pub uptime: Option<u64>,
    /// Tasks it has run, all names together.
    pub total: u64,
}

/// Reads one reply body: `{hostname: {...stats...}}`.
pub fn parse_reply(body: &Value) -> Vec<NodeStats> {
    let Some(nodes) = body.as_object() else {
        return Vec::new();
    };
    nodes
        .iter()
        .map(|(hostname, s)| {
            let pool = s.get("pool");
            let u = |v: Option<&Value>| v.and_then(Value::as_u64);
            NodeStats {
                hostname: hostname.clone(),
                pid: u(s.get("pid")).map(|p| p as u32),
                concurrency: u(pool.and_then(|p| p.get("max-concurrency"))).map(|c| c as usize),
                processes: pool
                    .and_then(|p| p.get("processes"))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_u64)
                            .map(|p| p as u32)
                            .collect()
                    })
                    .unwrap_or_default(),
                prefetch_count: u(s.get("prefetch_count")),
                uptime: u(s.get("uptime")),
                total: s
                    .get("total")
                    .and_then(Value::as_object)
                    .map(|t| t.values().filter_map(Value::as_u64).sum())
                    .unwrap_or(0),
            }
        })
        .collect()
}

/// Asks and collects, under one reply key for the whole run.
pub struct StatsAsker {
    db: u32,
    key: String,
}

impl StatsAsker {
    pub fn new(db: u32) -> StatsAsker {
        StatsAsker {
            db,
            key: wire::new_id(),
        }
    }

    fn reply_list(&self) -> String {
        format!("{}.{REPLY_EXCHANGE}", self.key)
    }

    fn binding(&self) -> String {
        format!(
            "{}{BINDING_SEP}{BINDING_SEP}{}",
            self.key,
            self.reply_list()
        )
    }

    /// Binds the reply list (again: a client of kombu 5.7 may expire the
    /// exchange's bindings) and publishes the request.
    pub fn ask(&self, con: &mut redis::Connection) -> redis::RedisResult<()> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let request = wire::stats_request(&self.key, &wire::new_id(), now + REQUEST_TTL_SECS);
        let _: (u64, u64) = redis::pipe()
            .cmd("SADD")
            .arg(format!("_kombu.binding.{REPLY_EXCHANGE}"))
            .arg(self.binding())
            .cmd("PUBLISH")
            .arg(wire::fanout_channel(self.db, "celery.pidbox", ""))
            .arg(request)
            .query(con)?;
        Ok(())
    }

    /// The replies that have come since the last look.
    pub fn collect(&self, con: &mut redis::Connection) -> redis::RedisResult<Vec<NodeStats>> {
        let raw: Option<Vec<Vec<u8>>> = redis::cmd("RPOP")
            .arg(self.reply_list())
            .arg(REPLIES_PER_LOOK)
            .query(con)?;
        Ok(raw
            .unwrap_or_default()
            .iter()
            .filter_map(|r| wire::decode(r).ok())
            .flat_map(|e| parse_reply(&e.body))
            .collect())
    }

    /// Removes the binding and the reply list.
    pub fn forget(&self, con: &mut redis::Connection) {
        let _: redis::RedisResult<(u64, u64)> = redis::pipe()
            .cmd("SREM")
            .arg(format!("_kombu.binding.{REPLY_EXCHANGE}"))
            .arg(self.binding())
            .cmd("DEL")
            .arg(self.reply_list())
            .query(con);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stats_reply_reads_as_its_node() {
        let body = json!({"node1@vm": {"total": {"tasks.noop": 3, "tasks.sleep": 2},
            "pid": 20836, "uptime": 2, "prefetch_count": 2,
            "pool": {"max-concurrency": 2, "processes": [20890, 20897]}}});
        let replies = parse_reply(&body);
        let [s] = &replies[..] else {
            panic!("{replies:?}")
        };
        assert_eq!(s.hostname, "node1@vm");
        assert_eq!(s.pid, Some(20836));
        assert_eq!(s.concurrency, Some(2));
        assert_eq!(s.processes, [20890, 20897]);
        assert_eq!((s.prefetch_count, s.uptime, s.total), (Some(2), Some(2), 5));
        assert!(parse_reply(&json!([1])).is_empty());
    }
}
