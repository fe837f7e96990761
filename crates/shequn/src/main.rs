use std::process::ExitCode;

fn main() -> ExitCode {
    // `shequn groups | head`: a closed pipe ends the output quietly, as for any Unix tool,
    // instead of a panic from println!.
    #[cfg(unix)]
    // SAFETY: restores the default action for one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    shequn::cmd::run()
}
