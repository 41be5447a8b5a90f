//! The private folder a run's instrumentation lives in: made 0700 under
//! the temporary directory, holding the Python module, its sitecustomize
//! and the socket; removed with everything in it when dropped.

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The Python files, by their path in the folder. `sitecustomize.py` runs
/// at every interpreter's start-up (PYTHONPATH puts the folder first) and
/// starts the `_proclab` package.
pub const FILES: &[(&str, &str)] = &[
    ("sitecustomize.py", include_str!("python/sitecustomize.py")),
    (
        "_proclab/__init__.py",
        include_str!("python/_proclab/__init__.py"),
    ),
    ("_proclab/wire.py", include_str!("python/_proclab/wire.py")),
    (
        "_proclab/where.py",
        include_str!("python/_proclab/where.py"),
    ),
    (
        "_proclab/hooks.py",
        include_str!("python/_proclab/hooks.py"),
    ),
    (
        "_proclab/procs.py",
        include_str!("python/_proclab/procs.py"),
    ),
    (
        "_proclab/queues.py",
        include_str!("python/_proclab/queues.py"),
    ),
    (
        "_proclab/pools.py",
        include_str!("python/_proclab/pools.py"),
    ),
    (
        "_proclab/shared.py",
        include_str!("python/_proclab/shared.py"),
    ),
    (
        "_proclab/waits.py",
        include_str!("python/_proclab/waits.py"),
    ),
];

/// A folder only this user can enter, removed on drop.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    /// Makes a new folder `proclab-run-PID-N` in `parent` (the system's
    /// temporary directory when None). The name is never reused: making it
    /// fails if it exists, and another name is tried.
    pub fn create(parent: Option<&Path>) -> io::Result<PrivateDir> {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for _ in 0..100 {
            let n = COUNT.fetch_add(1, Ordering::Relaxed);
            let name = format!("proclab-run-{}-{:x}{n}", std::process::id(), nanos);
            let path = parent.join(name);
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free name for a private folder",
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the instrumentation's Python files into the folder.
    pub fn write_module(&self) -> io::Result<()> {
        for (rel, text) in FILES {
            let path = self.path.join(rel);
            if let Some(dir) = path.parent() {
                DirBuilder::new().mode(0o700).recursive(true).create(dir)?;
            }
            std::fs::write(&path, text)?;
        }
        Ok(())
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn every_python_file_is_shipped() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lab/run/instrument/python");
        let mut on_disk = vec!["sitecustomize.py".to_string()];
        for e in std::fs::read_dir(src.join("_proclab")).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".py") {
                on_disk.push(format!("_proclab/{name}"));
            }
        }
        let mut shipped: Vec<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        on_disk.sort();
        shipped.sort();
        assert_eq!(on_disk, shipped);
    }

    #[test]
    fn the_folder_is_private_and_removed_on_drop() {
        let dir = PrivateDir::create(None).unwrap();
        dir.write_module().unwrap();
        let path = dir.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(path.join("_proclab/wire.py").is_file());
        let other = PrivateDir::create(None).unwrap();
        assert_ne!(other.path(), dir.path());
        drop(dir);
        assert!(!path.exists());
    }
}
