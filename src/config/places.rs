//! Where config files are, by the XDG Base Directory specification: the
//! system's (`$XDG_CONFIG_DIRS`, by default `/etc/xdg`, for a classroom's
//! machines) and the user's (`$XDG_CONFIG_HOME`, by default `~/.config`).
//! The specification has a relative path in either variable ignored, as if
//! it were unset.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The file's place under a base directory.
const FILE: &str = "proclab/config.toml";

/// Where proclab looks for its config files, before `--config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// The system's candidates, most important first; the first that
    /// exists is read.
    pub system: Vec<PathBuf>,
    /// The user's file, read after the system's so that it wins.
    pub user: Option<PathBuf>,
}

/// An absolute path from a variable, or None (unset, empty or relative).
fn absolute(value: Option<OsString>) -> Option<PathBuf> {
    value.map(PathBuf::from).filter(|p| p.is_absolute())
}

impl Places {
    /// The places an environment read by `var` names.
    pub fn from_env(var: impl Fn(&str) -> Option<OsString>) -> Places {
        let dirs: Vec<PathBuf> = match var("XDG_CONFIG_DIRS").filter(|v| !v.is_empty()) {
            Some(list) => std::env::split_paths(&list)
                .filter(|p| p.is_absolute())
                .collect(),
            None => vec![PathBuf::from("/etc/xdg")],
        };
        let user_base = absolute(var("XDG_CONFIG_HOME"))
            .or_else(|| absolute(var("HOME")).map(|h| h.join(".config")));
        Places {
            system: dirs.iter().map(|d| d.join(FILE)).collect(),
            user: user_base.map(|b| b.join(FILE)),
        }
    }

    /// The places this process's environment names.
    pub fn current() -> Places {
        Places::from_env(|name| std::env::var_os(name))
    }

    /// The system file that is read: the first that exists.
    pub fn system_file(&self) -> Option<&Path> {
        self.system
            .iter()
            .find(|p| p.exists())
            .map(PathBuf::as_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(vars: &[(&str, &str)]) -> Places {
        Places::from_env(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn the_system_then_the_user_by_the_specification() {
        let p = places(&[("HOME", "/home/ada")]);
        assert_eq!(
            p.system,
            vec![PathBuf::from("/etc/xdg/proclab/config.toml")]
        );
        assert_eq!(
            p.user,
            Some(PathBuf::from("/home/ada/.config/proclab/config.toml"))
        );
        let p = places(&[
            ("HOME", "/home/ada"),
            ("XDG_CONFIG_HOME", "/cfg"),
            ("XDG_CONFIG_DIRS", "/opt/site:relative/dir:/etc/xdg"),
        ]);
        assert_eq!(p.user, Some(PathBuf::from("/cfg/proclab/config.toml")));
        assert_eq!(
            p.system,
            vec![
                PathBuf::from("/opt/site/proclab/config.toml"),
                PathBuf::from("/etc/xdg/proclab/config.toml"),
            ],
            "a relative directory is left out"
        );
    }

    #[test]
    fn a_relative_config_home_is_ignored() {
        let p = places(&[("HOME", "/home/ada"), ("XDG_CONFIG_HOME", "cfg")]);
        assert_eq!(
            p.user,
            Some(PathBuf::from("/home/ada/.config/proclab/config.toml"))
        );
        assert_eq!(places(&[("XDG_CONFIG_HOME", "./cfg")]).user, None);
        assert_eq!(places(&[("XDG_CONFIG_HOME", "")]).user, None);
    }
}
