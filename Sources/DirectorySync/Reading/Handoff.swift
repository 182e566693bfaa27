import Foundation

/// Runs a producer on a thread of its own and hands what it makes, in chunks and in order, to the calling
/// thread: reading a file on one core while the other maps and keeps what was read.
///
/// At most `depth` chunks wait between the two, so memory stays flat however far ahead the producer could
/// get. What the producer throws is rethrown to the caller once everything before it has been consumed.
enum Handoff {
    /// Calls `produce` on a new thread with an `emit` function, and `consume` here for each emitted element,
    /// in order; returns what `produce` returned.
    static func run<Element: Sendable, Result: Sendable, Failure: Error>(
        chunkSize: Int = 512, depth: Int = 8,
        produce: @escaping @Sendable (_ emit: (Element) -> Void) throws(Failure) -> Result,
        consume: (Element) -> Void
    ) throws(Failure) -> Result {
        let channel = Channel<Element, Result, Failure>(depth: depth)
        let producer = Thread {
            var chunk: [Element] = []
            chunk.reserveCapacity(chunkSize)
            do throws(Failure) {
                let result = try produce { element in
                    chunk.append(element)
                    if chunk.count == chunkSize {
                        channel.put(chunk)
                        chunk = []
                        chunk.reserveCapacity(chunkSize)
                    }
                }
                if !chunk.isEmpty { channel.put(chunk) }
                channel.finish(.success(result))
            } catch {
                channel.finish(.failure(error))
            }
        }
        producer.stackSize = 8 << 20
        producer.start()
        while true {
            switch channel.take() {
            case .chunk(let chunk): for element in chunk { consume(element) }
            case .end(let outcome): return try outcome.get()
            }
        }
    }

    /// The queue between the two threads.
    private final class Channel<Element, Result, Failure: Error>: @unchecked Sendable {
        // Every field is read and written only with `condition` locked.
        private let condition = NSCondition()
        private var chunks: [[Element]] = []
        private var first = 0
        private var ending: Swift.Result<Result, Failure>?
        private let depth: Int

        init(depth: Int) { self.depth = depth }

        func put(_ chunk: [Element]) {
            condition.lock()
            while chunks.count - first >= depth { condition.wait() }
            chunks.append(chunk)
            condition.broadcast()
            condition.unlock()
        }

        func finish(_ outcome: Swift.Result<Result, Failure>) {
            condition.lock()
            ending = outcome
            condition.broadcast()
            condition.unlock()
        }

        enum Next {
            case chunk([Element])
            /// The producer has finished and everything it made was taken.
            case end(Swift.Result<Result, Failure>)
        }

        func take() -> Next {
            condition.lock()
            defer { condition.unlock() }
            while first == chunks.count && ending == nil { condition.wait() }
            if first == chunks.count, let ending { return .end(ending) }
            let chunk = chunks[first]
            chunks[first] = []
            first += 1
            if first == chunks.count {
                chunks.removeAll(keepingCapacity: true)
                first = 0
            }
            condition.broadcast()
            return .chunk(chunk)
        }
    }
}
