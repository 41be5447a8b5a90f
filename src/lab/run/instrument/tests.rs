//! The receiving end on its own: a real socket fed by hand (bad messages,
//! passed pipes, a refused peer is not tested: the test runs as one user),
//! and the state folded from reports that arrive out of order.

use std::io::{IoSlice, Write};
use std::os::fd::AsFd;
use std::sync::mpsc;
use std::time::Duration;

use rustix::net::{
    AddressFamily, SendAncillaryBuffer, SendAncillaryMessage, SendFlags, SocketAddrUnix,
    SocketType, connect, sendmsg, socket,
};

use super::state::Role;
use super::*;
use crate::lab::run::output::Stream;

fn wait_for(rx: &mpsc::Receiver<Report>, n: usize) -> Vec<Report> {
    let mut got = Vec::new();
    while got.len() < n {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(r) => got.push(r),
            Err(_) => break,
        }
    }
    got
}

#[test]
fn the_listener_decodes_drops_garbage_and_reads_passed_pipes() {
    let mut inst = Instrument::prepare().unwrap();
    let (rep_tx, rep_rx) = mpsc::channel();
    let (out_tx, out_rx) = mpsc::channel();
    inst.listen(rep_tx, out_tx).unwrap();
    let sock = socket(AddressFamily::UNIX, SocketType::SEQPACKET, None).unwrap();
    connect(&sock, &SocketAddrUnix::new(inst.socket_path()).unwrap()).unwrap();
    let me = std::process::id();

    let send = |data: &[u8]| {
        let mut anc = SendAncillaryBuffer::default();
        sendmsg(&sock, &[IoSlice::new(data)], &mut anc, SendFlags::empty()).unwrap();
    };
    send(
        b"{\"k\":\"thread\",\"tid\":5,\"t\":1.5}\nnot json\n{\"k\":\"q\",\"id\":\"x\",\"size\":3}",
    );
    send(b"\xff\xfe{{{{");
    // A pipe handed over for stdout, as each Python process does.
    let (r, w) = rustix::pipe::pipe().unwrap();
    let fds = [r.as_fd()];
    let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut anc = SendAncillaryBuffer::new(&mut space);
    assert!(anc.push(SendAncillaryMessage::ScmRights(&fds)));
    let line = b"{\"k\":\"out\",\"streams\":[\"stdout\"],\"t\":2.0}";
    sendmsg(&sock, &[IoSlice::new(line)], &mut anc, SendFlags::empty()).unwrap();
    drop(r);
    let mut w = std::fs::File::from(w);
    w.write_all(b"hello from the program\n").unwrap();
    drop(w);

    let reports = wait_for(&rep_rx, 5);
    let thread = Report::Event {
        pid: me,
        time: 1.5,
        event: Event::Thread { tid: 5, t: 1.5 },
    };
    // A message's bad lines are counted first, then its good ones come.
    assert_eq!(reports[0], Report::Dropped { pid: me, count: 1 });
    assert_eq!(reports[1], thread);
    assert!(matches!(
        &reports[2],
        Report::Event {
            event: Event::Q { size: Some(3), .. },
            ..
        }
    ));
    assert_eq!(reports[3], Report::Dropped { pid: me, count: 1 });
    assert!(matches!(
        &reports[4],
        Report::Event {
            event: Event::Out { .. },
            ..
        }
    ));
    let line = out_rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!((line.pid, line.stream), (Some(me), Stream::Stdout));
    assert_eq!(line.text, "hello from the program");

    drop(sock);
    assert_eq!(wait_for(&rep_rx, 1), [Report::Closed { pid: me }]);
    let dir = inst.dir().to_path_buf();
    drop(inst);
    assert!(!dir.exists(), "the private folder is removed");
}

fn event(pid: u32, time: f64, json: &str) -> Report {
    let (mut events, bad) = wire::decode(json.as_bytes());
    assert_eq!((events.len(), bad), (1, 0), "{json}");
    Report::Event {
        pid,
        time,
        event: events.remove(0),
    }
}

#[test]
fn reports_about_objects_not_yet_made_wait_for_them() {
    let mut p = Program::new();
    // A worker's tasks and a child's close come before the parent's word.
    p.apply(event(20, 1.0, r#"{"k":"worker","inq":"10.1","t":1.0}"#));
    p.apply(event(
        20,
        1.1,
        r#"{"k":"tasks","inq":"10.1","job":0,"took":[[0,2],[5,5]],"items":8,"done":4,"failed":0}"#,
    ));
    p.apply(event(
        21,
        1.2,
        r#"{"k":"close","ino":77,"r":false,"w":true,"at":"a.py:9","t":1.2}"#,
    ));
    p.apply(event(20, 1.3, r#"{"k":"q","id":"10.5","put":3,"get":1}"#));
    assert!(p.pools.is_empty() && p.pipes.is_empty());
    p.apply(event(10, 0.5, r#"{"k":"made","what":"Pool","id":"10.2","processes":2,"workers":[20,22],"inq":"10.1","at":"a.py:3","t":0.5}"#));
    p.apply(event(10, 0.6, r#"{"k":"made","what":"Pipe","id":"10.3","duplex":false,"ends":[77,77],"at":"a.py:4","t":0.6}"#));
    p.apply(event(10, 0.7, r#"{"k":"call","api":"map","pool":"10.2","job":0,"func":"m.f","chunksize":2,"items":8,"at":"a.py:5","t":0.7}"#));

    let pool = &p.pools["10.2"];
    let job = &pool.jobs[&0];
    assert_eq!(job.taken[&20], [(0, 2), (5, 5)]);
    assert_eq!((job.items[&20], job.done[&20]), (8, 4));
    assert_eq!(job.call.as_ref().unwrap().chunksize, Some(2));
    assert_eq!(p.processes[&20].pool.as_deref(), Some("10.2"));
    assert_eq!(p.processes[&22].pool.as_deref(), Some("10.2"));
    let pipe = &p.pipes["10.3"];
    assert_eq!(pipe.closed, [(21, 1, Site::parse("a.py:9"))]);
    // A SimpleQueue's depth from counts, even before it is known as made.
    assert_eq!(p.queues["10.5"].depth(), 2);
    // The log is in time order whatever the order of arrival.
    let times: Vec<f64> = p.log.iter().map(|e| e.time).collect();
    assert_eq!(times, [0.5, 0.6, 0.7, 1.2]);
}

#[test]
fn a_process_s_life_is_told_by_it_and_its_parent() {
    let mut p = Program::new();
    p.apply(event(10, 0.1, r#"{"k":"start","pid":11,"name":"worker-1","target":"__main__.f","daemon":true,"role":"process","method":"spawn","at":"a.py:7","t":0.1}"#));
    p.apply(event(11, 0.2, r#"{"k":"hello","v":1,"pid":11,"ppid":10,"role":"spawn","py":"3.11.7","ft":false,"gil":true,"t":0.2}"#));
    p.apply(event(11, 0.3, r#"{"k":"exit","code":3,"t":0.3}"#));
    let child = &p.processes[&11];
    assert_eq!(
        (child.role, child.name.as_deref()),
        (Role::Process, Some("worker-1"))
    );
    assert_eq!(
        (child.exit_code, child.exitcode, child.reaped_by.as_deref()),
        (Some(3), None, None)
    );
    p.apply(event(
        10,
        0.4,
        r#"{"k":"reaped","pid":11,"exitcode":3,"via":"join","at":"a.py:9","t":0.4}"#,
    ));
    p.apply(event(
        10,
        0.4,
        r#"{"k":"join","pid":11,"exitcode":3,"timeout":null,"at":"a.py:9","t":0.4}"#,
    ));
    p.apply(Report::Closed { pid: 11 });
    let child = &p.processes[&11];
    assert_eq!(
        (child.exitcode, child.reaped_by.as_deref(), child.joined),
        (Some(3), Some("join"), true)
    );
    assert!(!child.connected);
    let kinds: Vec<_> = p.log.iter().map(|e| state::kind_of(&e.event)).collect();
    assert_eq!(kinds, ["start", "exit", "reaped", "join"]);
}
