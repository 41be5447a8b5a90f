//! Celery's messages as they lie in Redis: the task message (protocol v2)
//! that `apply_async` pushes on the queue, kombu's envelope around every
//! message, and the remote-control (pidbox) request for `stats`.
//!
//! Kombu's Redis transport keeps a queue as a list: a producer LPUSHes the
//! envelope's JSON on the list named after the queue (`celery`), a node
//! BRPOPs it. Fanout exchanges (`celeryev`, `celery.pidbox`) are PUBLISH
//! channels named `/{db}.{exchange}` (`/{db}.{exchange}/{routing key}`
//! when there is one).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// The queue Celery's tasks go to unless routed elsewhere.
pub const QUEUE: &str = "celery";
/// Kombu's hash of delivered, unacknowledged messages: delivery tag ->
/// `[envelope, exchange, routing_key]`.
pub const UNACKED: &str = "unacked";
/// Kombu's sorted set of the same delivery tags, scored by delivery time.
pub const UNACKED_INDEX: &str = "unacked_index";
/// The exchange replies to remote-control requests are sent to.
pub const REPLY_EXCHANGE: &str = "reply.celery.pidbox";
/// Kombu's separator inside a binding (`routing_key SEP pattern SEP queue`).
pub const BINDING_SEP: &str = "\x06\x16";

/// One task to send.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// The task's id (a UUID), as `AsyncResult.id`.
    pub id: String,
    /// Kombu's delivery tag: the key of the message in the `unacked` hash.
    pub delivery_tag: String,
    /// The name the node looks the task up by (`tasks.count_primes`).
    pub name: String,
    pub args: Vec<Value>,
    /// Python's `repr(args)`.
    pub args_repr: String,
}

/// Who sends: what `apply_async` writes as the message's origin and
/// reply-to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `gen{pid}@{hostname}`, Celery's name for a process that is not a node.
    pub origin: String,
    /// The sender's reply queue; Python uses the app's `oid`.
    pub reply_to: String,
}

impl Origin {
    /// This process, on this machine.
    pub fn this_process() -> Origin {
        Origin {
            origin: format!("gen{}@{}", std::process::id(), hostname()),
            reply_to: new_id(),
        }
    }
}

/// A new UUID (version 4) as text.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// This machine's name, as Celery's `%h` expands it (`socket.gethostname()`).
pub fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// Kombu's envelope: the body (base64 of its JSON) with its headers and
/// properties.
fn envelope(body: &Value, headers: Value, properties: Value) -> Value {
    let body = BASE64.encode(body.to_string());
    json!({
        "body": body,
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": headers,
        "properties": properties,
    })
}

/// The JSON `count_primes.apply_async((n,))` pushes on the queue, field
/// for field as Celery 5's `as_task_v2` and kombu write it.
pub fn task_message(task: &TaskSpec, from: &Origin) -> String {
    let body = json!([
        task.args,
        {},
        {"callbacks": null, "errbacks": null, "chain": null, "chord": null}
    ]);
    let headers = json!({
        "lang": "py",
        "task": task.name,
        "id": task.id,
        "shadow": null,
        "eta": null,
        "expires": null,
        "group": null,
        "group_index": null,
        "retries": 0,
        "timelimit": [null, null],
        "root_id": task.id,
        "parent_id": null,
        "argsrepr": task.args_repr,
        "kwargsrepr": "{}",
        "origin": from.origin,
        "ignore_result": false,
        "replaced_task_nesting": 0,
        "stamped_headers": null,
        "stamps": {},
    });
    let properties = json!({
        "correlation_id": task.id,
        "reply_to": from.reply_to,
        "delivery_mode": 2,
        "delivery_info": {"exchange": "", "routing_key": QUEUE},
        "priority": 0,
        "body_encoding": "base64",
        "delivery_tag": task.delivery_tag,
    });
    envelope(&body, headers, properties).to_string()
}

/// The request `app.control.inspect().stats()` publishes on the
/// `celery.pidbox` fanout exchange; every node answers on the reply queue
/// bound as `reply_key`.
pub fn stats_request(reply_key: &str, ticket: &str, expires_epoch: f64) -> String {
    let body = json!({
        "method": "stats",
        "arguments": {},
        "destination": null,
        "pattern": null,
        "matcher": null,
        "ticket": ticket,
        "reply_to": {"exchange": REPLY_EXCHANGE, "routing_key": reply_key},
    });
    let headers = json!({"clock": 1, "expires": expires_epoch});
    let properties = json!({
        "delivery_mode": 2,
        "delivery_info": {"exchange": "celery.pidbox", "routing_key": ""},
        "priority": 0,
        "body_encoding": "base64",
        "delivery_tag": new_id(),
    });
    envelope(&body, headers, properties).to_string()
}

/// The PUBLISH channel of a fanout exchange in database `db`, as kombu
/// names it (`fanout_prefix` and `fanout_patterns` on, their defaults).
pub fn fanout_channel(db: u32, exchange: &str, routing_key: &str) -> String {
    if routing_key.is_empty() {
        format!("/{db}.{exchange}")
    } else {
        format!("/{db}.{exchange}/{routing_key}")
    }
}

/// A message read back: its decoded body, headers and properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub body: Value,
    pub headers: Value,
    pub properties: Value,
}

impl Envelope {
    /// `headers.id` for a task message.
    pub fn task_id(&self) -> Option<&str> {
        self.headers.get("id")?.as_str()
    }

    /// `properties.delivery_tag`.
    pub fn delivery_tag(&self) -> Option<&str> {
        self.properties.get("delivery_tag")?.as_str()
    }
}

/// Reads kombu's envelope: JSON, with a JSON body, base64-encoded or not.
pub fn decode(raw: &[u8]) -> Result<Envelope, String> {
    let outer: Value =
        serde_json::from_slice(raw).map_err(|e| format!("not a kombu message: {e}"))?;
    let field = |name: &str| outer.get(name).cloned().unwrap_or(Value::Null);
    let content_type = outer.get("content-type").and_then(Value::as_str);
    if content_type != Some("application/json") {
        return Err(format!(
            "a message in {} rather than JSON",
            content_type.unwrap_or("an unknown encoding")
        ));
    }
    let body = outer
        .get("body")
        .and_then(Value::as_str)
        .ok_or("a message without a body")?;
    let base64 = outer
        .get("properties")
        .and_then(|p| p.get("body_encoding"))
        .and_then(Value::as_str)
        == Some("base64");
    let bytes = if base64 {
        BASE64
            .decode(body)
            .map_err(|e| format!("a body that is not base64: {e}"))?
    } else {
        body.as_bytes().to_vec()
    };
    let body =
        serde_json::from_slice(&bytes).map_err(|e| format!("a body that is not JSON: {e}"))?;
    Ok(Envelope {
        body,
        headers: field("headers"),
        properties: field("properties"),
    })
}

/// The envelope inside an `unacked` hash value (`[envelope, exchange, routing_key]`).
pub fn decode_unacked(raw: &[u8]) -> Result<Envelope, String> {
    let triple: Value =
        serde_json::from_slice(raw).map_err(|e| format!("not an unacked entry: {e}"))?;
    let message = triple.get(0).ok_or("an empty unacked entry")?;
    decode(message.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TaskSpec {
        TaskSpec {
            id: "a-b".into(),
            delivery_tag: "t-1".into(),
            name: "tasks.count_primes".into(),
            args: vec![7.into()],
            args_repr: "(7,)".into(),
        }
    }

    #[test]
    fn a_task_message_reads_back() {
        let from = Origin {
            origin: "gen1@box".into(),
            reply_to: "r".into(),
        };
        let raw = task_message(&spec(), &from);
        let env = decode(raw.as_bytes()).unwrap();
        assert_eq!(env.task_id(), Some("a-b"));
        assert_eq!(env.delivery_tag(), Some("t-1"));
        assert_eq!(env.headers["task"], "tasks.count_primes");
        assert_eq!(env.headers["root_id"], "a-b");
        assert_eq!(env.body[0], json!([7]));
        assert_eq!(env.body[1], json!({}));
        assert_eq!(env.body[2]["chord"], Value::Null);
        let unacked = json!([serde_json::from_str::<Value>(&raw).unwrap(), "", "celery"]);
        let env = decode_unacked(unacked.to_string().as_bytes()).unwrap();
        assert_eq!(env.task_id(), Some("a-b"));
    }

    #[test]
    fn fanout_channels_are_named_as_kombu_names_them() {
        assert_eq!(
            fanout_channel(0, "celeryev", "worker.heartbeat"),
            "/0.celeryev/worker.heartbeat"
        );
        assert_eq!(fanout_channel(3, "celery.pidbox", ""), "/3.celery.pidbox");
    }

    #[test]
    fn bad_messages_say_what_they_are() {
        assert!(decode(b"nope").unwrap_err().contains("not a kombu message"));
        let pickled = br#"{"body": "x", "content-type": "application/x-python-serialize"}"#;
        assert!(decode(pickled).unwrap_err().contains("x-python-serialize"));
        let request = stats_request("k", "t", 1.0);
        let env = decode(request.as_bytes()).unwrap();
        assert_eq!(env.body["method"], "stats");
        assert_eq!(env.body["reply_to"]["routing_key"], "k");
    }
}
