//! The `dbaudit` binary: parse the command line, run, map errors to exit code 2.

use clap::Parser;

fn main() {
    let cli = dbaudit::cli::Cli::parse();
    match dbaudit::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("dbaudit: error: {error:#}");
            std::process::exit(2);
        }
    }
}
