//! The manager: a server process that owns the counter (`--role manager`),
//! and the proxy a worker uses to ask it for an increment.
//!
//! As with Python's `multiprocessing.Manager()`, the value lives in the
//! server's own memory, each proxy is a connection to it (here an abstract
//! Unix socket), each call is one request and one reply, and the server
//! serves each connection on a thread of its own, taking its lock around
//! the increment. The server mirrors the value into the shared region only
//! so that proclab can draw it.

use std::io::{self, Read, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

use super::shared::{
    CounterSection, CounterWait, REQUEST_INCREMENT, REQUEST_SHUTDOWN, manager_socket_name,
};
use crate::lab::shm::{Region, SectionId};
use crate::lab::slot::{Phase, Slot};
use crate::lab::worker::{WorkerArgs, between_slices};

/// How long a proxy keeps trying while the server starts listening.
const CONNECT_PATIENCE: Duration = Duration::from_secs(10);
/// How often the server looks at proclab's requests while idle.
const ACCEPT_SLICE: Duration = Duration::from_millis(100);

fn address(name: &str) -> io::Result<SocketAddr> {
    SocketAddr::from_abstract_name(name.as_bytes())
}

/// A worker's connection to the manager: `counter.increment()` as a proxy.
pub struct Proxy {
    stream: UnixStream,
}

impl Proxy {
    /// Connects, retrying while the server is still starting.
    pub fn connect(name: &str, slot: &Slot) -> io::Result<Proxy> {
        let addr = address(name)?;
        let start = Instant::now();
        loop {
            match UnixStream::connect_addr(&addr) {
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
pub fn request_shutdown(parent: u32, run: u32) -> io::Result<()> {
    let mut stream = UnixStream::connect_addr(&address(&manager_socket_name(parent, run))?)?;
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

/// The server's whole life; returns its exit status.
pub fn serve(args: &WorkerArgs, region: &Region, slot: &Slot) -> i32 {
    let sec: &CounterSection = region.section(SectionId::Counter);
    let name = manager_socket_name(args.parent, sec.run.load(Ordering::Relaxed));
    let listener = match address(&name).and_then(|a| UnixListener::bind_addr(&a)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("proclab manager: cannot listen on @{name}: {e}");
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
