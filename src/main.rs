fn main() {
    proclab::lab::worker::run_if_worker();
}
