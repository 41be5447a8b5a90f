//! The cluster lab's state without an engine: keys, words, figures.
