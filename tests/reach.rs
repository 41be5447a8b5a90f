//! No local user can reach into proclab: the counter lab's manager talks
//! to proclab's own workers only, and every socket, pipe and file proclab
//! or its workers hold is private to the user. Checked on the real binary,
//! from the outside: a process that is not one of proclab's workers, and,
//! where the machine allows it (root, with setpriv), another user (65534).

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::pty::workers_of;
use common::{PATIENCE, PROCLAB};
use proclab::lab::counter::shared::{REQUEST_INCREMENT, REQUEST_SHUTDOWN};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("proclab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts a headless scenario: `args`, then `keys` (if any), then as long
/// as `until` takes to hold (up to a minute), then `hold` seconds, then
/// the `checks` (conditions that must hold at once).
fn start(
    dir: &Path,
    name: &str,
    args: &[&str],
    keys: &str,
    until: &str,
    hold: f64,
    checks: &[&str],
) -> Child {
    let path = dir.join(format!("{name}.toml"));
    let args: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
    let keys = if keys.is_empty() {
        String::new()
    } else {
        format!("[[step]]\nkeys = {keys:?}\n")
    };
    let checks: String = checks
        .iter()
        .map(|c| format!("[[step]]\nuntil = {c:?}\ntimeout = 0.5\n"))
        .collect();
    std::fs::write(
        &path,
        format!(
            "[settings]\nargs = [{}]\n\n{keys}[[step]]\nuntil = {until:?}\ntimeout = 60\n\
             [[step]]\nwait = {hold}\n{checks}",
            args.join(", ")
        ),
    )
    .unwrap();
    Command::new(PROCLAB)
        .arg("play")
        .arg(&path)
        .arg("--headless")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: Child, what: &str) {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_for<T>(what: &str, mut found: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = found() {
            return v;
        }
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Unix sockets by inode, with the name they are bound to ("" for none,
/// "@..." for an abstract name).
fn unix_sockets() -> HashMap<u64, String> {
    let text = std::fs::read_to_string("/proc/net/unix").unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            let inode = fields.get(6)?.parse().ok()?;
            Some((inode, fields.get(7).copied().unwrap_or("").to_string()))
        })
        .collect()
}

/// A folder only this user can enter: not a link, owned by it, mode 0700
/// or less.
fn is_private_folder(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| {
        m.is_dir() && m.uid() == rustix::process::geteuid().as_raw() && m.mode() & 0o077 == 0
    })
}

/// The counter manager's socket of proclab `pid`, once it is bound.
fn manager_socket(pid: u32) -> Option<PathBuf> {
    let marker = format!("/proclab-{pid}-");
    unix_sockets()
        .into_values()
        .find(|p| p.contains(&marker) && p.ends_with(".sock"))
        .map(PathBuf::from)
}

/// Runs `program args` as user 65534 where this machine allows it: None
/// when not root or without setpriv.
fn as_nobody(program: &str, args: &[&str]) -> Option<Output> {
    if !rustix::process::geteuid().is_root() || !Path::new("/usr/bin/setpriv").exists() {
        return None;
    }
    Command::new("/usr/bin/setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            program,
        ])
        .args(args)
        .output()
        .ok()
}

/// What user 65534 gets trying `connect` or `bind` on a Unix socket path:
/// "ok" or the errno's name. None where it cannot be tried.
fn socket_as_nobody(call: &str, path: &Path) -> Option<String> {
    let script = format!(
        "import errno, socket, sys\n\
         s = socket.socket(socket.AF_UNIX)\n\
         try:\n    s.{call}(sys.argv[1]); print('ok')\n\
         except OSError as e:\n    print(errno.errorcode[e.errno])\n"
    );
    // A python3 that user 65534 can run (not one under root's home).
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let out = as_nobody(python, &["-c", &script, path.to_str().unwrap()])?;
    let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!said.is_empty()).then_some(said)
}

#[test]
fn the_counter_manager_hangs_up_on_anyone_but_proclab_and_its_workers() {
    let dir = temp_dir("reach-manager");
    // Two workers, ten increments each through the manager, in slow
    // motion (about five seconds); exact unless someone else got in.
    let child = start(
        &dir,
        "manager",
        &[
            "--lab",
            "counter",
            "--counter",
            "manager",
            "--slow",
            "--workers",
            "0",
        ],
        "r",
        "counter-runs >= 1",
        0.2,
        &["counter-value == 20", "counter-lost == 0"],
    );
    let pid = child.id();
    let socket = wait_for("the manager's socket", || manager_socket(pid));
    let folder = socket.parent().unwrap();
    assert!(is_private_folder(folder), "{}", folder.display());
    let abstract_names: Vec<String> = unix_sockets()
        .into_values()
        .filter(|p| p.starts_with("@proclab"))
        .collect();
    assert!(abstract_names.is_empty(), "{abstract_names:?}");

    // This test is the same user, but neither proclab nor its child.
    for request in [REQUEST_INCREMENT, REQUEST_SHUTDOWN] {
        let mut stream = UnixStream::connect(&socket).expect("the kernel queues the connection");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = stream.write_all(&[request]);
        let mut reply = [0u8; 8];
        let got = stream.read(&mut reply);
        assert!(
            matches!(got, Ok(0)) || got.is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock),
            "request {request}: the manager answered a stranger"
        );
    }

    // Another user cannot even reach the folder.
    if let Some(said) = socket_as_nobody("connect", &socket) {
        assert_eq!(said, "EACCES", "user 65534 connecting");
        let next = folder.join("manager-2.sock");
        assert_eq!(
            socket_as_nobody("bind", &next).as_deref(),
            Some("EACCES"),
            "user 65534 binding the next run's socket"
        );
    } else {
        eprintln!("another user not tried: not root, or no setpriv and python3");
    }

    // The run ended as a run does (the scenario checks it finished), and
    // nobody else's increment counted.
    finish(child, "the manager run");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Whether fd `fd` of `pid` was opened read only (its fdinfo's flags).
fn read_only(pid: u32, fd: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).is_ok_and(|info| {
        info.lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            .is_some_and(|flags| flags & 0o3 == 0)
    })
}

/// What an fd of a process points at, and whether only its user can reach it.
fn check_fd(
    pid: u32,
    fd: &str,
    target: &str,
    sockets: &HashMap<u64, String>,
) -> Result<(), String> {
    let named = |what: &str| format!("pid {pid} fd {fd}: {what} {target}");
    if let Some(inode) = target
        .strip_prefix("socket:[")
        .and_then(|t| t.strip_suffix(']'))
    {
        let inode: u64 = inode.parse().unwrap();
        return match sockets.get(&inode).map(String::as_str) {
            // Unnamed: reachable only through the fd.
            Some("") => Ok(()),
            Some(p) if p.starts_with('@') => Err(named("an abstract socket, open to all:")),
            Some(p) if is_private_folder(Path::new(p).parent().unwrap()) => Ok(()),
            Some(p) => Err(named(&format!("a socket at {p} outside a private folder:"))),
            None => Err(named("a socket that is not a Unix socket:")),
        };
    }
    let anonymous = target.starts_with("pipe:[")
        || target.starts_with("anon_inode:")
        || target.starts_with("/memfd:")
        || target == "/dev/null";
    // proclab reading the kernel's figures (its samples, its own maps).
    let kernel = target.starts_with("/proc/") || target.starts_with("/sys/");
    // The dynamic loader reading a shared library as a worker starts:
    // the system's files, read only, nothing proclab made.
    let system = ["/usr/", "/lib/", "/lib64/"]
        .iter()
        .any(|dir| target.starts_with(dir))
        && read_only(pid, fd);
    if anonymous || kernel || system || is_private_folder(Path::new(target)) {
        return Ok(());
    }
    Err(named("a file others may reach:"))
}

/// Every fd of proclab `pid` and of its workers, checked.
fn check_all_fds(pid: u32, what: &str) -> usize {
    let sockets = unix_sockets();
    let mut checked = 0;
    let mut problems = Vec::new();
    for p in std::iter::once(pid).chain(workers_of(pid)) {
        let fd_dir = format!("/proc/{p}/fd");
        let Ok(entries) = std::fs::read_dir(&fd_dir) else {
            continue; // a worker that just ended
        };
        // The fds themselves: only the process's own user may look.
        let meta = std::fs::metadata(&fd_dir).unwrap();
        assert_eq!(meta.mode() & 0o077, 0, "{what}: {fd_dir} is open to others");
        for entry in entries.flatten() {
            let Ok(target) = std::fs::read_link(entry.path()) else {
                continue;
            };
            let fd = entry.file_name().to_string_lossy().to_string();
            if let Err(problem) = check_fd(p, &fd, &target.to_string_lossy(), &sockets) {
                problems.push(problem);
            }
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
    checked
}

#[test]
fn every_socket_pipe_and_file_of_proclab_and_its_workers_is_private() {
    let dir = temp_dir("reach-fds");
    let labs: &[(&str, &[&str], &str, &str)] = &[
        ("lifecycle", &["--workers", "2"], "", "workers >= 2"),
        (
            "counter",
            &[
                "--lab",
                "counter",
                "--counter",
                "manager",
                "--slow",
                "--workers",
                "0",
            ],
            "r",
            "workers >= 3",
        ),
        ("pipe", &["--lab", "pipe"], "s", "workers >= 2"),
        ("pipeline", &["--lab", "pipeline"], "s", "workers >= 3"),
        ("queue", &["--lab", "queue"], "", "workers >= 3"),
        (
            "pool",
            &["--lab", "pool", "--workers", "2"],
            "",
            "workers >= 2",
        ),
        (
            "sync",
            &["--lab", "sync", "--workers", "2"],
            "",
            "workers >= 2",
        ),
        (
            "gil",
            &["--lab", "gil", "--mode", "processes", "--workers", "2"],
            "",
            "workers >= 2",
        ),
    ];
    for &(name, args, keys, until) in labs {
        let child = start(&dir, name, args, keys, until, 1.5, &[]);
        let pid = child.id();
        let want: usize = until.rsplit(' ').next().unwrap().parse().unwrap();
        wait_for(&format!("{name}'s workers"), || {
            (workers_of(pid).len() >= want).then_some(())
        });
        let checked = check_all_fds(pid, name);
        assert!(checked > 4 * want, "{name}: {checked} fds looked at");
        if let Some(worker) = workers_of(pid).first() {
            // The shared memory and every fd: not for another user.
            let fd = format!("/proc/{worker}/fd/3");
            if let Some(out) = as_nobody("/bin/cat", &[&fd]) {
                assert!(!out.status.success(), "{name}: user 65534 read {fd}");
            }
        }
        finish(child, name);
    }
    std::fs::remove_dir_all(dir).unwrap();
}
