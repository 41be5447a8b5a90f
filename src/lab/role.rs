//! What a worker process does once started.
//!
//! A role is named on the worker's command line (`--role NAME`); anything a
//! role needs beyond its name it reads from its lab's section of the shared
//! region, where proclab can also change it while the worker runs. Each
//! lab's roles are listed on its line of the registry
//! ([`crate::registry`]) and run by its controller
//! ([`Controller::run_worker`](super::controller::Controller::run_worker)).

macro_rules! roles {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $State:ident, $name:literal, $title:literal,
         $short:literal, $tab:ident, [$($Role:ident $rname:literal),* $(,)?]) ),* $(,)?) => {
        /// A worker's job: the engine's plain worker, or one of a lab's.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub enum Role {
            /// The plain worker: CPU- or I/O-bound tasks in a loop, as
            /// `Lab::start` starts it (the lifecycle lab's, the GIL lab's
            /// processes, a race's).
            #[default]
            Tasks,
            $($(
                #[doc = concat!("A worker of the ", stringify!($m), " lab: `--role ", $rname, "`.")]
                $Role,
            )*)*
        }

        impl Role {
            /// Every role: the plain worker's, then each lab's in registry
            /// order.
            pub const ALL: &'static [Role] = &[Role::Tasks, $($(Role::$Role,)*)*];

            /// The name passed as `--role`.
            pub fn name(self) -> &'static str {
                match self {
                    Role::Tasks => "tasks",
                    $($( Role::$Role => $rname, )*)*
                }
            }
        }
    };
}

crate::registry::for_each_lab!(roles);

impl Role {
    /// The role named `name` on a worker's command line.
    pub fn parse(name: &str) -> Result<Role, String> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.name() == name)
            .ok_or_else(|| format!("unknown role {name:?}"))
    }

    /// A short word for the worker table.
    pub fn label(self) -> &'static str {
        match self {
            Role::Tasks => "task",
            other => other.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_parsed_back_from_its_name() {
        for &role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Ok(role));
        }
        assert_eq!(
            Role::parse("tsks"),
            Err("unknown role \"tsks\"".to_string())
        );
        assert_eq!(Role::default(), Role::Tasks);
    }
}
