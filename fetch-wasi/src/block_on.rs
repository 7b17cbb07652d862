//! A minimal executor for futures that finish without waiting on another task.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

/// Runs `future` to completion on the current thread and returns its output.
///
/// Meant for [`RemoteVerifier::verify`](acs_jwt::RemoteVerifier::verify) and
/// [`SnapshotVerifier::verify`](crate::SnapshotVerifier::verify) with a [`KeyFetcher`] that
/// performs its request inside `poll`, as `WasiFetcher` does: such a future returns
/// `Ready` on its first poll. A WASI 0.2 component has one thread and no async runtime, so
/// this is all its entry points need.
///
/// # Panics
///
/// Panics if the future returns `Pending`. With a blocking fetcher that happens only when
/// another task of the same verifier holds a fetch in flight, which cannot occur when every
/// verification runs through this function one after another. An executor such as a
/// `wasi:io/poll` reactor is needed for futures that really wait.
///
/// [`KeyFetcher`]: acs_jwt::fetch::KeyFetcher
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!(
            "block_on: the future returned Pending, so it waits for another task; \
             drive it with an executor that can wait instead"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_output_of_a_ready_future() {
        assert_eq!(block_on(async { 40 + 2 }), 42);
    }

    #[test]
    #[should_panic(expected = "returned Pending")]
    fn panics_on_a_pending_future() {
        block_on(core::future::pending::<()>());
    }
}
