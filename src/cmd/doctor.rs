//! `proclab doctor`: what the cluster lab needs (redis-server, python3 and
//! Python's celery[redis]), what is installed, and the one command that
//! installs the rest; the same words the lab shows instead of opening.

use std::path::Path;
use std::process::ExitCode;

use crate::lab::cluster::doctor::{CELERY_VERSION, Doctor, Presence, doctor};

/// The report, a line per part, and the command if something is missing.
pub fn report(d: &Doctor) -> String {
    let say = |p: &Presence| match p {
        Presence::Found { version } => format!("found {version}"),
        Presence::Missing { why } => format!("missing: {why}"),
    };
    let python = match &d.python_version {
        Presence::Found { version } => format!("found {version} ({})", d.python.display()),
        missing => say(missing),
    };
    let mut out = format!(
        "What the cluster lab (proclab --lab cluster) needs:\n\
         \x20 redis-server    {}\n\
         \x20 python3         {python}\n\
         \x20 celery          {} (the lab is written against {CELERY_VERSION})\n\
         \x20 kombu           {}\n\
         \x20 redis (Python)  {}\n",
        say(&d.redis_server),
        say(&d.celery),
        say(&d.kombu),
        say(&d.redis_py),
    );
    match d.install_command() {
        None => out.push_str("Everything is there: proclab --lab cluster\n"),
        Some(command) => {
            out.push_str(&format!(
                "Missing: {}. Install with:\n  {command}\n",
                d.missing().join(", ")
            ));
            if d.externally_managed {
                out.push_str(
                    "(this python3 is the system's own: in a virtual environment, \
                     activated before proclab starts, pip needs no --break-system-packages)\n",
                );
            }
        }
    }
    out
}

/// Runs `proclab doctor`: exit status 0 when everything is there.
pub fn main() -> ExitCode {
    let d = doctor(Path::new("redis-server"), Path::new("python3"));
    print!("{}", report(&d));
    if d.ready() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
