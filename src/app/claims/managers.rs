//! Shared memory against a Manager's proxies (the `shared-state` lesson,
//! which runs `shared_state.py` under the run view).

use super::{Lab, claims, py, w};

claims! {
    /// Array against a Manager's list and dict.
    Managers {
        Server => py(
            "manager = Manager()  # a server process of its own",
            "a Manager is a separate process, a child of the one that started it, which holds the shared objects",
            &[w("shared_state", "a_manager_is_a_server_process", r#"{"server_is_another_process": true, "server_is_a_child": true}"#)],
            Lab::Nothing,
        ),
        ProxySeen => py(
            "shared.append(x); table[key] = x  # seen by every process",
            "a change made through a proxy is made in the server, and every process that reads it sees it",
            &[w("shared_state", "a_proxy_change_reaches_every_process", r#"{"list_append_seen": true, "dict_set_seen": true}"#)],
            Lab::Nothing,
        ),
        NestedLost => py(
            "table[\"k\"].append(x)  # lost: it changed a copy",
            "reading table[\"k\"] through the proxy returns a copy: appending to it changes the copy, and the dict keeps the old list",
            &[w("shared_state", "a_change_inside_a_nested_list_is_lost", r#"{"nested_change_seen": false}"#)],
            Lab::Nothing,
        ),
        Reassigned => py(
            "table[\"k\"] = table[\"k\"] + [x]  # kept: the dict is set again",
            "assigning the changed list back sets the key in the server: the change is kept",
            &[w("shared_state", "a_change_inside_a_nested_list_is_lost", r#"{"reassigned_seen": true}"#)],
            Lab::Nothing,
        ),
        ArrayWrite => py(
            "arr[i] = x  # shared memory, no server",
            "an Array write lands in shared memory: the parent sees it, with no message sent",
            &[w("shared_state", "an_array_write_is_seen_by_the_parent", r#"{"seen": true}"#)],
            Lab::Nothing,
        ),
        Slower => py(
            "shared[i] += 1  # a Manager list: two requests to the server",
            "every read or write through a proxy is a round trip to the server process: an Array's is a memory access, ten times faster and more",
            &[w("shared_state", "a_manager_proxy_is_slower_than_an_array", r#"{"array_at_least_10x_faster": true}"#)],
            Lab::Nothing,
        ),
    }
}
