//! The cluster lab's faults, with real Celery nodes on a real
//! redis-server: a node killed mid-task (its tasks lost or redelivered,
//! with `acks_late` off and on), the broker killed and started again, two
//! labs side by side, and proclab itself killed with SIGKILL.

mod cluster_common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use cluster_common::*;
use proclab::lab::cluster::node::alive;
use proclab::lab::cluster::tasks::TaskState;
use proclab::lab::cluster::{ClusterEvent, ClusterSettings, NodeEnd, TaskKind};

#[test]
fn a_killed_node_loses_its_acked_task_and_the_broker_hands_over_the_rest() {
    let _serial = serial();
    let visibility = Duration::from_secs(4);
    let mut lab = open(ClusterSettings {
        nodes: 2,
        visibility_timeout: visibility,
        ..ClusterSettings::default()
    });
    wait_for(&mut lab, "two nodes online", START, |lab, _| {
        online_locals(lab) == 2
    });
    let nap = TaskKind::Sleep { seconds: 2.5 };

    // acks_late off: a node acknowledges a task as it starts it, and holds
    // one more taken but not started (prefetch 1).
    lab.set_batch(nap, 4).unwrap();
    let batch = lab.send_batch();
    let mut victim = None;
    wait_for(
        &mut lab,
        "a node running one task and holding another",
        START,
        |lab, _| {
            victim = busy_node(lab, 2);
            victim.is_some()
        },
    );
    let (id, held) = victim.unwrap();
    let pool = lab.node_pool(id);
    assert_eq!(pool.len(), 1);
    let running: String = {
        let view = lab.view();
        let t = view
            .recent
            .iter()
            .find(|t| held.contains(&t.id) && t.state == TaskState::Running);
        t.unwrap().id.clone()
    };
    let waiting = held.iter().find(|t| **t != running).unwrap().clone();
    lab.kill_node(id).unwrap();
    let killed_at = Instant::now();
    let seen = wait_for(
        &mut lab,
        "the dead node's tasks decided",
        START,
        |_, seen| {
            count(seen, |e| matches!(e, ClusterEvent::TaskLost { .. })) == 1
                && count(seen, |e| {
                    matches!(e, ClusterEvent::TaskAwaitingRedelivery { .. })
                }) == 1
        },
    );
    // Its pool process died with it, though its task had seconds to run.
    assert!(killed_at.elapsed() < Duration::from_secs(2));
    assert!(
        pool.iter().all(|&p| !alive(p)),
        "pool {pool:?} outlived node {id}"
    );
    let exited = seen.iter().find_map(|e| match e {
        ClusterEvent::NodeExited {
            id: i,
            exitcode,
            how,
            held,
            ..
        } if *i == id => Some((*exitcode, *how, held.clone())),
        _ => None,
    });
    let mut expect_held = vec![running.clone(), waiting.clone()];
    expect_held.sort();
    assert_eq!(exited, Some((-9, NodeEnd::Killed, expect_held)));
    assert!(seen.contains(&ClusterEvent::TaskLost {
        id: running.clone(),
        node: format!("node{id}@{}", hostname()),
    }));
    let seen = wait_for(&mut lab, "the held task redelivered", START, |_, seen| {
        batch_done(seen, batch).is_some()
    });
    let redelivered = seen.iter().find_map(|e| match e {
        ClusterEvent::TaskRedelivered {
            id,
            after_delivery,
            after_death,
            ..
        } if *id == waiting => Some((*after_delivery, *after_death)),
        _ => None,
    });
    let (after_delivery, after_death) = redelivered.expect("the waiting task was redelivered");
    eprintln!(
        "acks_late off: redelivered {after_delivery:?} after delivery, {after_death:?} after the kill"
    );
    assert!(after_delivery.unwrap() >= visibility);
    let Some(ClusterEvent::BatchDone {
        succeeded, lost, ..
    }) = batch_done(&seen, batch)
    else {
        unreachable!()
    };
    assert_eq!((*succeeded, *lost), (3, 1));
    let view = lab.view();
    assert_eq!(
        view.lost.iter().map(|f| &f.id).collect::<Vec<_>>(),
        [&running]
    );
    assert!(view.redelivered.iter().any(|f| f.id == waiting));

    // acks_late on: nothing is acknowledged before it has run, so the
    // task running on the killed node comes back too.
    lab.add_node().unwrap();
    wait_for(&mut lab, "two nodes online again", START, |lab, _| {
        online_locals(lab) == 2
    });
    lab.set_acks_late(true);
    let batch = lab.send_batch();
    let mut victim = None;
    wait_for(
        &mut lab,
        "a node running an acks_late task",
        START,
        |lab, _| {
            victim = busy_node(lab, 1);
            victim.is_some()
        },
    );
    let (id, held) = victim.unwrap();
    // This time from outside, as `kill -9 PID` in another terminal.
    let pid = lab.node_pid(id).unwrap();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    let seen = wait_for(&mut lab, "the acks_late batch to end", START, |_, seen| {
        batch_done(seen, batch).is_some()
    });
    assert!(seen.iter().any(|e| matches!(
        e,
        ClusterEvent::NodeExited { id: i, how: NodeEnd::FromOutside, held: h, .. }
            if *i == id && *h == held
    )));
    assert_eq!(
        count(&seen, |e| matches!(e, ClusterEvent::TaskLost { .. })),
        0
    );
    let back = seen.iter().find_map(|e| match e {
        ClusterEvent::TaskRedelivered {
            id, after_delivery, ..
        } if *id == held[0] => Some(*after_delivery),
        _ => None,
    });
    eprintln!("acks_late on: redelivered {back:?} after delivery");
    assert!(back.expect("the running task was redelivered").unwrap() >= visibility);
    let Some(ClusterEvent::BatchDone {
        succeeded, lost, ..
    }) = batch_done(&seen, batch)
    else {
        unreachable!()
    };
    assert_eq!((*succeeded, *lost), (4, 0));

    // A warm stop (SIGTERM): the node finishes the task it runs and puts
    // back on the queue the one it had taken but not started.
    lab.set_acks_late(false);
    lab.add_node().unwrap();
    wait_for(&mut lab, "two nodes online again", START, |lab, _| {
        online_locals(lab) == 2
    });
    let batch = lab.send_batch();
    let mut victim = None;
    wait_for(
        &mut lab,
        "a node running one task, holding another",
        START,
        |lab, _| {
            victim = busy_node(lab, 2);
            victim.is_some()
        },
    );
    let (id, held) = victim.unwrap();
    let running: String = {
        let view = lab.view();
        let t = view
            .recent
            .iter()
            .find(|t| held.contains(&t.id) && t.state == TaskState::Running);
        t.unwrap().id.clone()
    };
    let waiting = held.iter().find(|t| **t != running).unwrap().clone();
    let name = format!("node{id}@{}", hostname());
    lab.stop_node(id).unwrap();
    let stopped = Instant::now();
    let seen = wait_for(&mut lab, "the batch after a warm stop", START, |_, seen| {
        batch_done(seen, batch).is_some()
    });
    let ended = seen.iter().find_map(|e| match e {
        ClusterEvent::NodeExited {
            id: i,
            how,
            exitcode,
            ..
        } if *i == id => Some((*how, *exitcode)),
        _ => None,
    });
    assert_eq!(ended, Some((NodeEnd::Stopped, 0)));
    assert!(seen.contains(&ClusterEvent::NodeOffline { name: name.clone() }));
    // The task it ran, it finished; the one it held it gave back at once,
    // not after the visibility timeout.
    let view = lab.view();
    let ran = view.recent.iter().find(|t| t.id == running);
    assert_eq!(ran.and_then(|t| t.holder.clone()), Some(name.clone()));
    let again = seen.iter().find_map(|e| match e {
        ClusterEvent::TaskRedelivered { id, from, to, .. } if *id == waiting => {
            Some((from.clone(), to.clone()))
        }
        _ => None,
    });
    let (from, to) = again.expect("the held task was given to the other node");
    assert_eq!(from, name);
    assert_ne!(to, name);
    assert!(matches!(
        batch_done(&seen, batch),
        Some(ClusterEvent::BatchDone {
            succeeded: 4,
            lost: 0,
            ..
        })
    ));
    eprintln!(
        "warm stop: node {id}'s batch done {:?} after SIGTERM",
        stopped.elapsed()
    );
    let report = lab.shutdown(Duration::from_secs(5));
    assert!(report.pool_left.is_empty(), "{report:?}");
}

#[test]
fn two_labs_side_by_side_do_not_meet_and_a_killed_broker_is_reported() {
    let _serial = serial();
    let one_node = || ClusterSettings {
        nodes: 1,
        ..ClusterSettings::default()
    };
    let mut a = open(one_node());
    let mut b = open(one_node());
    assert_ne!(a.broker_url(), b.broker_url());
    assert_ne!(a.folder(), b.folder());
    for lab in [&mut a, &mut b] {
        wait_for(lab, "its node online", START, |lab, _| {
            online_locals(lab) == 1
        });
        lab.set_batch(TaskKind::Noop, 3).unwrap();
    }
    let (ba, bb) = (a.send_batch(), b.send_batch());
    for (lab, batch) in [(&mut a, ba), (&mut b, bb)] {
        wait_for(lab, "its batch", START, |_, seen| {
            batch_done(seen, batch).is_some()
        });
        let view = lab.view();
        // Each saw its own node alone (both are node1@host), which ran all three.
        assert_eq!(view.nodes.len(), 1, "{:?}", view.nodes);
        assert_eq!(view.nodes[0].succeeded, 3);
        assert_eq!(view.nodes[0].pid, lab.node_pid(1));
    }

    // redis-server killed from outside: reported, nothing hangs, the
    // other lab goes on.
    let pid = a.broker_pid().unwrap();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    let mut slowest = Duration::ZERO;
    let seen = wait_for(&mut a, "the broker's end reported", START, |_, seen| {
        seen.iter()
            .any(|e| matches!(e, ClusterEvent::BrokerExited { code: -9, .. }))
    });
    drop(seen);
    let batch = a.send_batch();
    wait_for(
        &mut a,
        "a batch refused, polls quick",
        START,
        |lab, seen| {
            let t = Instant::now();
            drop(lab.view());
            slowest = slowest.max(t.elapsed());
            seen.iter()
                .any(|e| matches!(e, ClusterEvent::BatchNotSent { batch: x, .. } if *x == batch))
        },
    );
    assert!(
        slowest < Duration::from_millis(100),
        "a look took {slowest:?}"
    );
    assert_eq!(
        a.view().broker.state,
        proclab::lab::cluster::view::BrokerState::Exited { code: -9 }
    );
    b.poll();
    let batch = b.send_batch();
    wait_for(&mut b, "the other lab's batch", START, |_, seen| {
        batch_done(seen, batch).is_some()
    });

    // R: the same port again; the node finds it by itself.
    a.restart_broker().unwrap();
    let restarted = Instant::now();
    wait_for(&mut a, "the broker back", START, |_, seen| {
        seen.contains(&ClusterEvent::BrokerUp)
    });
    wait_for(&mut a, "the node heard from again", START, |lab, _| {
        lab.view().nodes[0]
            .heartbeat_age
            .is_some_and(|age| age < restarted.elapsed())
    });
    eprintln!(
        "the node was back {:?} after the restart",
        restarted.elapsed()
    );
    let batch = a.send_batch();
    wait_for(&mut a, "a batch after the restart", START, |_, seen| {
        batch_done(seen, batch).is_some()
    });
}

const HELPER_ENV: &str = "PROCLAB_CLUSTER_DEATH_HELPER";

#[test]
fn helper_cluster_lab() {
    if std::env::var_os(HELPER_ENV).is_none() {
        return; // Only does something when run as the helper below.
    }
    let mut lab = open(ClusterSettings {
        nodes: 1,
        ..ClusterSettings::default()
    });
    wait_for(&mut lab, "the node's pool", START, |lab, _| {
        online_locals(lab) == 1 && !lab.node_pool(1).is_empty()
    });
    println!("PID {}", lab.broker_pid().unwrap());
    println!("PID {}", lab.node_pid(1).unwrap());
    for p in lab.node_pool(1) {
        println!("PID {p}");
    }
    println!("READY");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn killing_proclab_with_sigkill_takes_broker_nodes_and_pools() {
    use rustix::process::{Pid, WaitOptions, getpid, set_child_subreaper, waitpid};
    use std::io::{BufRead, BufReader};
    let _serial = serial();
    // As subreaper, this process inherits the orphans and reaps them.
    set_child_subreaper(Some(getpid())).unwrap();
    let mut helper = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "helper_cluster_lab", "--nocapture"])
        .env(HELPER_ENV, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut pids = Vec::new();
    for line in BufReader::new(helper.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(pid) = line.strip_prefix("PID ") {
            pids.push(pid.trim().parse::<u32>().unwrap());
        }
        if line.contains("READY") {
            break;
        }
    }
    assert_eq!(
        pids.len(),
        3,
        "redis-server, a node and its pool process: {pids:?}"
    );
    assert!(pids.iter().all(|&p| alive(p)));
    helper.kill().unwrap();
    helper.wait().unwrap();
    let start = Instant::now();
    let mut left: HashSet<u32> = pids.iter().copied().collect();
    while !left.is_empty() {
        left.retain(|&pid| {
            let raw = Pid::from_raw(pid as i32).unwrap();
            !matches!(
                waitpid(Some(raw), WaitOptions::NOHANG),
                Ok(Some(_)) | Err(_)
            )
        });
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "still running after proclab was killed: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
