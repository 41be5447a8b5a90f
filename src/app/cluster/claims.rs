//! The cluster lab's lines: the commands that start its redis-server and
//! its Celery nodes, a batch sent with `delay()`, what a killed or
//! stopped node does to its tasks with acks_late off and on, and the
//! speedup's Pool peer; witnessed by real Celery nodes on a real
//! redis-server (`tests/python/celery_cluster.py`). The lab's own side of
//! the same (its producer's message, its reports of lost and redelivered
//! tasks) is tested against the same programs in `tests/cluster*.rs`.
//!
//! Also what Dask, Ray and Kubernetes would do with the same job, which
//! the lab says but does not run.

use crate::app::claims::{Lab, claims, py, shell, w};

claims! {
    /// The cluster lab's lines and the scale-out lesson's.
    Cluster {
        NodeLine => shell(
            "celery -A tasks worker -c {n} -n {node}@%h -E --without-gossip --without-mingle",
            "a Celery node named {node}@host, with n prefork pool processes, sending task events (-E)",
            &[w("celery_cluster", "one_node", r#"{"node_name": true, "pool_processes": 1, "pool_is_prefork": true, "task_events": ["task-received", "task-started", "task-succeeded"]}"#)],
            Lab::Nothing,
        ),
        BrokerLine => shell(
            "redis-server --port {port} --bind 127.0.0.1 --save \"\" --appendonly no",
            "a Redis that keeps nothing on disk: killed and started again it is empty, and the nodes find it again by themselves",
            &[w("celery_cluster", "one_node", r#"{"redis_save": "", "redis_appendonly": "no", "kept_after_restart": 0, "node_back": true}"#)],
            Lab::Nothing,
        ),
        Batch => py(
            "[{task}.delay({arg}) for _ in range({n})]",
            "each delay() puts one task message on the broker's list; a node takes them and runs them",
            &[w("celery_cluster", "one_node", r#"{"queued_by_delay": 4, "ran": {"tasks.count_primes": 4}, "queue_after": 0}"#)],
            Lab::Nothing,
        ),
        AcksEarly => py(
            "{task}.delay({arg})  # @app.task: acknowledged as it starts",
            "without acks_late a node acknowledges a task as it starts it: killed running it, the task is gone from the broker (lost); one it had taken but not started is unacknowledged and goes to another node once the visibility timeout has passed",
            &[w("celery_cluster", "killed_nodes", r#"{"off_running_unacked_at_kill": false, "off_reserved_unacked_at_kill": true, "off_running_in_broker_after_kill": false, "off_reserved_in_broker_after_kill": true, "off_reserved_ran_on_another_node": true, "off_after_visibility_timeout": true, "off_left_in_broker": []}"#)],
            Lab::Nothing,
        ),
        AcksLate => py(
            "{task}.delay({arg})  # @app.task(acks_late=True): acknowledged after it runs",
            "with acks_late a node acknowledges a task after it returns and takes nothing more meanwhile (prefetch 1): killed running it, the task goes to another node once the visibility timeout has passed",
            &[w("celery_cluster", "killed_nodes", r#"{"on_running_is_first": true, "on_running_unacked_at_kill": true, "on_nothing_more_taken": true, "on_running_ran_again_on_another_node": true, "on_after_visibility_timeout": true}"#)],
            Lab::Nothing,
        ),
        Kill => py(
            "os.kill({pid}, signal.SIGKILL)  # {node}",
            "SIGKILL ends a node at once, and its pool processes with it; what it held is lost or comes back, as acks_late decides",
            &[w("celery_cluster", "killed_nodes", r#"{"off_pool_died_with_node": true, "on_pool_died_with_node": true}"#)],
            Lab::Nothing,
        ),
        WarmStop => py(
            "os.kill({pid}, signal.SIGTERM)  # {node}: warm shutdown",
            "SIGTERM is Celery's warm shutdown: the node finishes the task it runs, puts back on the queue at once the ones it had taken, and exits 0",
            &[w("celery_cluster", "one_node", r#"{"warm_exitcode": 0, "warm_took_less_than_the_timeout": true, "reserved_back_in_queue": true, "unacked_after_warm_stop": []}"#)],
            Lab::Nothing,
        ),
        PoolPeer => py(
            "with Pool({n}) as pool: pool.map({task}, [{arg}] * {items}, chunksize=1)",
            "the same function on one machine with multiprocessing.Pool, one item per task, as the lab's speedup times it",
            &[w("celery_cluster", "pool_peer", r#"{"same_as_the_task": true, "script_result": 430, "script_timed": true}"#)],
            Lab::Nothing,
        ),
        PoolName => py(
            "Pool({n})",
            "a multiprocessing.Pool of n worker processes on this machine, the peer the speedup times beside n nodes",
            &[w("celery_cluster", "pool_peer", r#"{"same_as_the_task": true}"#)],
            Lab::Nothing,
        ),
        DaskMap => py(
            "futures = client.map({task}, [{arg}] * {n})\nresults = client.gather(futures)",
            "Dask's scheduler hands each task to a worker and moves the tasks of a worker that dies to the others; a task whose workers die three times fails with KilledWorker",
            &[],
            Lab::Nothing,
        )
        .unwitnessed(
            "Dask is not installed here: the cluster lab and its lesson say how Dask would do the job, and do not run it",
        ),
        RayRemote => py(
            "refs = [{task}.remote({arg}) for _ in range({n})]\nresults = ray.get(refs)",
            "with the function declared @ray.remote, each .remote() call is a task; a task whose worker process dies is run again, three times by default (max_retries)",
            &[],
            Lab::Nothing,
        )
        .unwitnessed(
            "Ray is not installed here: the cluster lab and its lesson say how Ray would do the job, and do not run it",
        ),
        KubernetesScale => shell(
            "kubectl scale deployment celery-worker --replicas={n}",
            "a Deployment keeps n worker pods running and starts a new pod for one that dies; on a broker its pods are Celery nodes like the lab's",
            &[],
            Lab::Nothing,
        )
        .unwitnessed(
            "no Kubernetes cluster here: the cluster lab and its lesson say how it would run the nodes, and do not run it",
        ),
    }
}
