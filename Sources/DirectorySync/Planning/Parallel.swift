import Foundation

/// Two independent computations on two cores: the second on a thread of its own, the first here.
enum Parallel {
    static func both<A, B: Sendable>(_ first: () -> A, and second: @escaping @Sendable () -> B) -> (A, B) {
        let result = Box<B>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            result.value = second()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        let a = first()
        done.wait()
        // The semaphore orders the thread's write before this read.
        guard let b = result.value else { preconditionFailure("the second computation produced nothing") }
        return (a, b)
    }

    private final class Box<Value>: @unchecked Sendable {
        var value: Value?
    }
}
