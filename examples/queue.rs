//! The queue with no terminal UI, as a first producer/consumer script
//! would show it: two producers put 20 items each into a JoinableQueue of
//! capacity 4, two consumers work through them, then the clean shutdown:
//! the producers are joined, one sentinel per consumer follows the
//! backlog, and the consumers are joined.
//!
//! ```text
//! cargo run --example queue
//! ```
//!
//! This example's own executable is re-run as the workers, so it calls
//! `run_if_worker` first, as proclab's `main` does.

use std::time::Duration;

use proclab::lab::engine::{Engine, EngineEvent};
use proclab::lab::{Lab, LabConfig};

fn main() -> anyhow::Result<()> {
    proclab::lab::worker::run_if_worker();

    let mut engine = Engine::new(Lab::new(LabConfig::new())?);
    engine.queue.set_capacity(&mut engine.lab, 4)?;
    engine.queue.set_rates(&engine.lab, 1000, 100);
    println!("q = JoinableQueue(maxsize=4)");
    let mut producers = Vec::new();
    for _ in 0..2 {
        producers.push(engine.queue.add_producer(&mut engine.lab, Some(20))?);
    }
    for _ in 0..2 {
        engine.queue.add_consumer(&mut engine.lab)?;
    }
    // Producers outrun consumers: the queue fills and they block on put.
    std::thread::sleep(Duration::from_millis(150));
    let t = engine.queue.stats(&engine.lab).totals;
    let blocked = engine
        .lab
        .snapshot()
        .iter()
        .filter(|w| w.wait == proclab::lab::queue::wait::PUT)
        .count();
    println!(
        "after 150 ms: depth {}/{}, put {}, done {}, {blocked} producer(s) blocked on put",
        t.depth(),
        t.capacity,
        t.tail,
        t.done
    );

    // Wait for the producers to put all they have, then shut down.
    while producers
        .iter()
        .any(|&p| engine.lab.is_alive(p).unwrap_or(false))
    {
        engine.poll();
        std::thread::sleep(Duration::from_millis(10));
    }
    engine.queue.begin_shutdown(&mut engine.lab);
    while engine.lab.live_count() > 0 {
        for event in engine.poll() {
            match event {
                EngineEvent::Queue(e) => println!("{e:?}"),
                EngineEvent::Lab(e) => println!("{e:?}"),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let t = engine.queue.stats(&engine.lab).totals;
    println!(
        "put {} (40 items, 2 sentinels), done {}, lost {}, unfinished {}: every message accounted for: {}",
        t.tail,
        t.done,
        t.lost,
        t.unfinished(),
        t.balanced()
    );
    Ok(())
}
