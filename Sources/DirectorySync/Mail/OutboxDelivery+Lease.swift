import Foundation

extension OutboxDelivery {
    /// One delivery pass over `organization`'s due mail while holding its delivery lease in the store: what every
    /// command and the agent use, so two processes (on one machine or several sharing a store) never send the
    /// same message at once. Waits up to `wait` for another holder; a dead holder's lease runs out after
    /// `leaseDuration` (renewed while the pass goes on) and is taken over.
    public func deliverHoldingLease(
        for organization: Organization, now: @escaping @Sendable () -> Date,
        leaseDuration: TimeSpan = .minutes(2), wait: TimeSpan = .minutes(10)
    ) async throws -> Report {
        let keeper = LeaseKeeper(store: store, organization: organization, purpose: .delivery, duration: leaseDuration)
        let fence = try await keeper.waitAndAcquire(timeout: wait, clock: now)
        do {
            let report = try await keeper.whileHolding(clock: now) {
                try await deliverPending(in: organization.id, fence: fence, now: now)
            }
            await keeper.release()
            return report
        } catch {
            await keeper.release()
            throw error
        }
    }
}
