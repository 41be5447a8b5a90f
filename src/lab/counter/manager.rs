//! The manager: a server process that owns the counter (`--role manager`),
//! and the proxy a worker uses to ask it for an increment.
//!
//! As with Python's `multiprocessing.Manager()`, the value lives in the
//! server's own memory, each proxy is a connection to it (here a Unix
//! socket that only proclab's workers can reach: see [`super::socket`]),
//! each call is one request and one reply, and the server serves each
//! connection on a thread of its own, taking its lock around the
//! increment. The server mirrors the value into the shared region only so
//! that proclab can draw it.

use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

use super::shared::{CounterSection, CounterWait, REQUEST_INCREMENT, REQUEST_SHUTDOWN};
use super::socket::{PrivateDir, peer_allowed};
use crate::lab::WORKER_EXTRA_FD;
use crate::lab::shm::Region;
use crate::lab::slot::{Phase, Slot};
use crate::lab::worker::{WorkerArgs, between_slices};

/// How long a proxy keeps trying while the server starts listening.
const CONNECT_PATIENCE: Duration = Duration::from_secs(10);
/// How often the server looks at proclab's requests while idle.
const ACCEPT_SLICE: Duration = Duration::from_millis(100);

/// A worker's connection to the manager: `counter.increment()` as a proxy.
pub struct Proxy {
    stream: UnixStream,
}

impl Proxy {
    /// Connects, retrying while the server is busy.
    pub fn connect(path: &Path, slot: &Slot) -> io::Result<Proxy> {
        let start = Instant::now();
        loop {
            match UnixStream::connect(path) {
                Ok(stream) => return Ok(Proxy { stream }),
                Err(_) if start.elapsed() < CONNECT_PATIENCE => {
                    let _ = between_slices(slot, 0.0);
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One request, one reply: the value after this increment.
    pub fn increment(&mut self) -> io::Result<u64> {
        self.stream.write_all(&[REQUEST_INCREMENT])?;
        let mut reply = [0u8; 8];
        self.stream.read_exact(&mut reply)?;
        Ok(u64::from_le_bytes(reply))
    }
}

/// Asks the manager of run `run` to shut down, as `manager.shutdown()`
/// does; does not wait for it. Used by proclab, not by workers.
pub fn request_shutdown(dir: &PrivateDir, run: u32) -> io::Result<()> {
    let mut stream = dir.connect(run)?;
    stream.write_all(&[REQUEST_SHUTDOWN])
}

/// What the server's threads share.
struct Server<'a> {
    /// The counter, behind the manager's lock.
    value: Mutex<u64>,
    connections: AtomicU32,
    sec: &'a CounterSection,
    slot: &'a Slot,
}

/// The listening socket proclab bound for this manager and handed over.
fn handed_listener() -> io::Result<UnixListener> {
    // Safety: proclab puts the listening socket at this fd (a manager is
    // only started by `CounterLab::start_run`), and nothing else owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(WORKER_EXTRA_FD) };
    let listener = UnixListener::from(fd);
    // Anything else there (or nothing) fails here rather than in accept.
    listener.local_addr()?;
    Ok(listener)
}

/// The server's whole life; returns its exit status.
pub fn serve(args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
    let sec: &CounterSection = region.section(crate::lab::shm::SectionId::Counter);
    let listener = match handed_listener() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("proclab manager: no listening socket at fd {WORKER_EXTRA_FD}: {e}");
            return 1;
        }
    };
    if let Err(e) = listener.set_nonblocking(true) {
        eprintln!("proclab manager: {e}");
        return 1;
    }
    slot.set_phase(Phase::Io);
    slot.wait
        .store(CounterWait::Serving(0).encode(), Ordering::Relaxed);
    let server = Server {
        value: Mutex::new(0),
        connections: AtomicU32::new(0),
        sec,
        slot,
    };
    std::thread::scope(|scope| {
        loop {
            let mut fds = [PollFd::new(&listener, PollFlags::IN)];
            let slice = Timespec {
                tv_sec: 0,
                tv_nsec: ACCEPT_SLICE.as_nanos() as i64,
            };
            let _ = poll(&mut fds, Some(&slice));
            if between_slices(slot, 0.0).is_break() {
                return 0;
            }
            match listener.accept() {
                // Only proclab and its workers; anyone else is hung up on.
                Ok((stream, _)) if !peer_allowed(&stream, args.parent) => drop(stream),
                Ok((stream, _)) => {
                    let server = &server;
                    scope.spawn(move || server.connection(stream));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    eprintln!("proclab manager: accept failed: {e}");
                    return 1;
                }
            }
        }
    })
}

impl Server<'_> {
    fn show_connections(&self, n: u32) {
        self.slot
            .wait
            .store(CounterWait::Serving(n).encode(), Ordering::Relaxed);
    }

    /// Serves one proxy until it hangs up.
    fn connection(&self, mut stream: UnixStream) {
        if stream.set_nonblocking(false).is_err() {
            return;
        }
        self.show_connections(self.connections.fetch_add(1, Ordering::Relaxed) + 1);
        let mut request = [0u8; 1];
        while stream.read_exact(&mut request).is_ok() {
            match request[0] {
                REQUEST_INCREMENT => {
                    let value = {
                        let mut v = self.value.lock().unwrap_or_else(|p| p.into_inner());
                        *v += 1;
                        self.sec.hot.value.store(*v, Ordering::Relaxed);
                        *v
                    };
                    self.slot.aux.fetch_add(1, Ordering::Relaxed);
                    if stream.write_all(&value.to_le_bytes()).is_err() {
                        break;
                    }
                }
                // `manager.shutdown()`: the server returns, exitcode 0.
                REQUEST_SHUTDOWN => std::process::exit(0),
                _ => break,
            }
        }
        self.show_connections(self.connections.fetch_sub(1, Ordering::Relaxed) - 1);
    }
}
