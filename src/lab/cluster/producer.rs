//! The producer: proclab sending Celery tasks itself, from Rust, as the
//! messages Python's `task.delay(...)` sends, over the `redis` crate.
//!
//! `count_primes.delay(n)` in Python is, on the wire, one LPUSH of the
//! task message on the `celery` list; a batch here is one LPUSH of all of
//! them, in order (the first sent is the first a node BRPOPs).

use std::time::Duration;

use super::link::{CONNECT_TIMEOUT, IO_TIMEOUT};
use super::settings::BrokerUrl;
use super::wire::{self, Origin, TaskSpec};

/// Messages pushed by one LPUSH at most, so that one call stays short.
const PUSH_CHUNK: usize = 1000;

/// A connection to the broker with every call bounded by a timeout.
pub fn connect(url: &BrokerUrl) -> redis::RedisResult<redis::Connection> {
    connect_with(url, CONNECT_TIMEOUT, IO_TIMEOUT)
}

fn connect_with(
    url: &BrokerUrl,
    connect: Duration,
    io: Duration,
) -> redis::RedisResult<redis::Connection> {
    let client = redis::Client::open(url.to_string())?;
    let con = client.get_connection_with_timeout(connect)?;
    con.set_read_timeout(Some(io))?;
    con.set_write_timeout(Some(io))?;
    Ok(con)
}

/// Sends tasks to the broker.
pub struct Producer {
    con: redis::Connection,
    from: Origin,
}

impl Producer {
    pub fn connect(url: &BrokerUrl) -> redis::RedisResult<Producer> {
        Ok(Producer {
            con: connect(url)?,
            from: Origin::this_process(),
        })
    }

    /// The connection, for the other calls the lab makes on it.
    pub fn connection(&mut self) -> &mut redis::Connection {
        &mut self.con
    }

    /// Pushes the tasks on the queue, the first of them first out.
    pub fn push(&mut self, tasks: &[TaskSpec]) -> redis::RedisResult<()> {
        for chunk in tasks.chunks(PUSH_CHUNK) {
            let messages: Vec<String> = chunk
                .iter()
                .map(|t| wire::task_message(t, &self.from))
                .collect();
            let _: u64 = redis::cmd("LPUSH")
                .arg(wire::QUEUE)
                .arg(messages)
                .query(&mut self.con)?;
        }
        Ok(())
    }

    /// Pushes the tasks one LPUSH each, waiting for each reply, as
    /// `delay()` called in a loop does.
    pub fn push_each(&mut self, tasks: &[TaskSpec]) -> redis::RedisResult<()> {
        for t in tasks {
            let message = wire::task_message(t, &self.from);
            let _: u64 = redis::cmd("LPUSH")
                .arg(wire::QUEUE)
                .arg(message)
                .query(&mut self.con)?;
        }
        Ok(())
    }
}

/// `k` tasks of one name and arguments, each with a fresh id and delivery tag.
pub fn specs(name: &str, args: &[serde_json::Value], args_repr: &str, k: usize) -> Vec<TaskSpec> {
    (0..k)
        .map(|_| TaskSpec {
            id: wire::new_id(),
            delivery_tag: wire::new_id(),
            name: name.to_string(),
            args: args.to_vec(),
            args_repr: args_repr.to_string(),
        })
        .collect()
}
