//! Runs the command component (`wasi:cli/run`) in a new instance.

use std::time::Duration;

use wasmtime::Store;
use wasmtime_wasi::p2::bindings::CommandPre;

use crate::components::ComponentKind;
use crate::host::{InstanceSetup, RequestLog, component, linker};

/// How long one run may take before the test fails: generous for a debug build of the host,
/// and far above the 5-second default fetch deadline.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The result of one run of the command component.
#[derive(Clone, Debug)]
pub struct CommandRun {
    /// 0 when the component returned success, 1 for failure. WASI 0.2 `wasi:cli/exit` carries
    /// only success or failure, so the component's own codes (2 for invalid settings) arrive
    /// as 1.
    pub exit_code: i32,
    /// Standard output: one JSON verdict per token.
    pub stdout: String,
    /// Standard error: the component's log lines.
    pub stderr: String,
    /// The outgoing requests the component attempted.
    pub requests: RequestLog,
}

impl CommandRun {
    /// Parses the JSON verdicts, one per output line.
    ///
    /// # Panics
    ///
    /// Panics when a line is not JSON, with the whole output.
    pub fn verdicts(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|err| {
                    panic!(
                        "output line {line:?} is not JSON ({err}); stderr:\n{}",
                        self.stderr
                    )
                })
            })
            .collect()
    }

    /// Returns the only verdict.
    ///
    /// # Panics
    ///
    /// Panics unless the output has exactly one line.
    pub fn verdict(&self) -> serde_json::Value {
        let mut verdicts = self.verdicts();
        assert_eq!(
            verdicts.len(),
            1,
            "expected one verdict; stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        verdicts.remove(0)
    }
}

/// Instantiates the command component with `setup`, feeds it `stdin` and runs it to the end.
///
/// # Panics
///
/// Panics when the component cannot be built, compiled or instantiated, traps for another
/// reason than its exit, or runs longer than a minute.
pub async fn run_command(setup: &InstanceSetup, stdin: &str) -> CommandRun {
    let pre = CommandPre::new(
        linker()
            .instantiate_pre(component(ComponentKind::Command))
            .expect("the command component links"),
    )
    .expect("the component exports wasi:cli/run");
    let (state, output) = setup.state(stdin.as_bytes());
    let mut store = Store::new(pre.engine(), state);
    let run = async {
        let command = pre
            .instantiate_async(&mut store)
            .await
            .expect("the command component instantiates");
        command.wasi_cli_run().call_run(&mut store).await
    };
    let result = tokio::time::timeout(RUN_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("the command component ran longer than {RUN_TIMEOUT:?}"));
    let exit_code = match result {
        Ok(Ok(())) => 0,
        Ok(Err(())) => 1,
        Err(err) => match err.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => exit.0,
            None => panic!(
                "the command component trapped: {err:?}\nstderr:\n{}",
                output.stderr()
            ),
        },
    };
    CommandRun {
        exit_code,
        stdout: output.stdout(),
        stderr: output.stderr(),
        requests: setup.policy.log(),
    }
}
