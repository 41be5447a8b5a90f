//! The start methods' lines (the `start-methods` lesson, which runs the
//! course's `start_methods.py` under the run view): what fork, spawn and
//! forkserver give a child, and why spawn needs the main module guarded.

use super::{Lab, claims, py, w};

const FORK: &str =
    r#"{"sees_parent_global": true, "module_imported_again": false, "parent_is_the_parent": true}"#;
const SPAWN: &str =
    r#"{"sees_parent_global": false, "module_imported_again": true, "parent_is_the_parent": true}"#;
const FORKSERVER: &str = r#"{"sees_parent_global": false, "module_imported_again": true, "parent_is_the_parent": false, "server_is_forkserver": true}"#;

claims! {
    /// How a Process starts, and what its child sees.
    StartMethods {
        Fork => py(
            "{p} = mp.get_context(\"fork\").Process(target={target}); {p}.start()",
            "fork: the child is a copy of the parent made at once, with everything the parent had set; it imports nothing again",
            &[w("start_methods", "fork_copies_the_parent", FORK)],
            Lab::Nothing,
        ),
        Spawn => py(
            "{p} = mp.get_context(\"spawn\").Process(target={target}); {p}.start()",
            "spawn: the child is a fresh python3 that imports the main module again (as __mp_main__), so it sees none of what the parent set at run time, and it starts far more slowly than a fork",
            &[
                w("start_methods", "spawn_imports_the_main_module_again", SPAWN),
                w("start_methods", "spawn_starts_slower_than_fork", r#"{"spawn_slower_than_fork": true}"#),
            ],
            Lab::Nothing,
        ),
        Forkserver => py(
            "{p} = mp.get_context(\"forkserver\").Process(target={target}); {p}.start()",
            "forkserver: a server process, started once from a fresh python3, forks each child: the child's parent is the server, and it sees none of what the parent set at run time",
            &[w("start_methods", "forkserver_forks_each_child_from_a_server", FORKSERVER)],
            Lab::Nothing,
        ),
        MainGuard => py(
            "if __name__ == \"__main__\":\n    main()",
            "spawn's child imports the main module: without this guard it runs the module's top level again, and the start() there raises RuntimeError (the child exits with 1)",
            &[w("start_methods", "an_unguarded_main_module_under_spawn", r#"{"child_raises": true, "child_exitcode": 1}"#)],
            Lab::Nothing,
        ),
    }
}
