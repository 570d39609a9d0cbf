//! The `docclass` command: serve the models over gRPC, train and evaluate them, or classify
//! and summarize one file from the shell. The command line itself lives in
//! [`docclass::cli`]; this binary only runs it and lets `main` report its error.

fn main() -> anyhow::Result<()> {
    docclass::cli::run()
}
