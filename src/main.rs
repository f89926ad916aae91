//! The `fupin` command.

fn main() -> std::process::ExitCode {
    fupin::cli::main()
}
