//! The `fupin` command.

/// Rendering a page allocates many short-lived strings and rows; mimalloc
/// serves them from per-thread pages where glibc malloc spent a sixth of a
/// rendered page's CPU in its locks and consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    fupin::cli::main()
}
