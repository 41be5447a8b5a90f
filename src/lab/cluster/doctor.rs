//! What the cluster lab needs on this machine, whether it is there, and the
//! one command that installs what is missing: Debian's `redis-server` and
//! Python's `celery[redis]` (celery, kombu and the redis client).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Celery release the lab is written against and installs.
pub const CELERY_VERSION: &str = "5.7.0";
/// Installs redis-server (Debian), run as root.
pub const INSTALL_REDIS: &str = "apt-get install -y redis-server";
/// Installs pip for Debian's python3, run as root.
pub const INSTALL_PIP: &str = "apt-get install -y python3-pip";
/// How long a probe may take: Python importing celery takes a few tenths
/// on a quiet machine, many seconds on one busy compiling.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// Installs the Python side into the Python that runs the nodes. A Python
/// its distribution manages (PEP 668: Debian 12's own python3) refuses
/// pip's installs unless told to go ahead.
pub fn install_celery(python: &Path, externally_managed: bool) -> String {
    let flag = if externally_managed {
        " --break-system-packages"
    } else {
        ""
    };
    format!(
        "{} -m pip install{flag} \"celery[redis]=={CELERY_VERSION}\"",
        python.display()
    )
}

/// `sudo ` before a command that needs root, unless this is root.
fn as_root() -> &'static str {
    if rustix::process::geteuid().is_root() {
        ""
    } else {
        "sudo "
    }
}

/// One thing the lab needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    Found { version: String },
    Missing { why: String },
}

impl Presence {
    pub fn found(&self) -> bool {
        matches!(self, Presence::Found { .. })
    }
}

/// What is present, in plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doctor {
    pub redis_server: Presence,
    /// The interpreter the nodes run: `sys.executable` of `python3`.
    pub python: PathBuf,
    pub python_version: Presence,
    pub celery: Presence,
    pub kombu: Presence,
    /// Python's redis client, which kombu's Redis transport needs.
    pub redis_py: Presence,
    /// pip, which installs them.
    pub pip: Presence,
    /// The Python is managed by its distribution (PEP 668): pip installs
    /// into it only with `--break-system-packages` (or use a venv).
    pub externally_managed: bool,
}

impl Doctor {
    pub fn ready(&self) -> bool {
        self.redis_server.found()
            && self.celery.found()
            && self.kombu.found()
            && self.redis_py.found()
    }

    /// What is missing, in words: `redis-server, celery`.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.redis_server.found() {
            out.push("redis-server");
        }
        if !self.python_version.found() {
            out.push("python3");
        } else if !(self.celery.found() && self.kombu.found() && self.redis_py.found()) {
            out.push("celery[redis]");
        }
        out
    }

    /// The one command that installs everything missing, if anything is
    /// (`sudo` before what needs root, unless this is root).
    pub fn install_command(&self) -> Option<String> {
        let root = as_root();
        let mut parts = Vec::new();
        if !self.redis_server.found() {
            parts.push(format!("{root}{INSTALL_REDIS}"));
        }
        let celery = self.celery.found() && self.kombu.found() && self.redis_py.found();
        if !self.python_version.found() {
            parts.push(format!("{root}apt-get install -y python3 python3-pip"));
        } else if !celery && !self.pip.found() {
            parts.push(format!("{root}{INSTALL_PIP}"));
        }
        if !celery {
            parts.push(install_celery(&self.python, self.externally_managed));
        }
        (!parts.is_empty()).then(|| parts.join(" && "))
    }
}

/// Looks at this machine: runs `redis-server --version` and one `python3`.
pub fn doctor(redis_server: &Path, python: &Path) -> Doctor {
    let redis = match probe(Command::new(redis_server).arg("--version")) {
        Ok(out) => match out.split_whitespace().find_map(|w| w.strip_prefix("v=")) {
            Some(v) => Presence::Found { version: v.into() },
            None => Presence::Missing {
                why: format!("{} did not say its version", redis_server.display()),
            },
        },
        Err(why) => Presence::Missing { why },
    };
    // One interpreter start for everything: each import is tried apart, so
    // that what is missing is named.
    // PEP 668: a Python outside a venv whose stdlib folder holds the
    // EXTERNALLY-MANAGED marker.
    let script = "import sys, os, sysconfig\nprint(sys.executable)\n\
        print(sys.version.split()[0])\n\
        for m in ('celery', 'kombu', 'redis', 'pip'):\n    try:\n        \
        print(__import__(m).__version__)\n    except Exception as e:\n        \
        print('missing: ' + repr(e))\n\
        marker = os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')\n\
        print(sys.prefix == sys.base_prefix and os.path.exists(marker))\n";
    let missing = |why: &str| Presence::Missing { why: why.into() };
    let mut found = Doctor {
        redis_server: redis,
        python: python.to_path_buf(),
        python_version: missing("not run"),
        celery: missing("python3 did not run"),
        kombu: missing("python3 did not run"),
        redis_py: missing("python3 did not run"),
        pip: missing("python3 did not run"),
        externally_managed: false,
    };
    match probe(Command::new(python).args(["-c", script])) {
        Ok(out) => {
            let lines: Vec<&str> = out.lines().collect();
            if let [exe, version, celery, kombu, redis, pip, managed, ..] = lines[..] {
                found.python = PathBuf::from(exe);
                found.python_version = Presence::Found {
                    version: version.into(),
                };
                let read = |line: &str| match line.strip_prefix("missing: ") {
                    Some(why) => Presence::Missing { why: why.into() },
                    None => Presence::Found {
                        version: line.into(),
                    },
                };
                found.celery = read(celery);
                found.kombu = read(kombu);
                found.redis_py = read(redis);
                found.pip = read(pip);
                found.externally_managed = managed == "True";
            }
        }
        Err(why) => found.python_version = Presence::Missing { why },
    }
    found
}

/// Runs a short program and returns what it printed, or why it could not.
fn probe(command: &mut Command) -> Result<String, String> {
    let name = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{name}: {e}"))?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{name} did not answer in {PROBE_TIMEOUT:?}"));
            }
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_missing_gets_one_install_command() {
        let mut d = doctor(Path::new("/nonexistent/redis-server"), Path::new("python3"));
        assert!(!d.redis_server.found());
        assert!(!d.ready());
        let command = d.install_command().unwrap();
        assert!(command.ends_with(INSTALL_REDIS), "{command}");
        assert_eq!(
            command.starts_with("sudo "),
            !rustix::process::geteuid().is_root()
        );
        d.celery = Presence::Missing { why: "no".into() };
        let command = d.install_command().unwrap();
        assert!(command.contains(" && ") && command.contains("celery[redis]==5.7.0"));
        assert_eq!(d.missing(), ["redis-server", "celery[redis]"]);
        // Debian's own python3: no pip, and pip refuses unless told.
        d.pip = Presence::Missing { why: "no".into() };
        d.externally_managed = true;
        let command = d.install_command().unwrap();
        assert!(command.contains(INSTALL_PIP), "{command}");
        assert!(command.contains("pip install --break-system-packages"), "{command}");
    }
}
