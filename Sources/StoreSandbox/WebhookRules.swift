import JSON

extension StoreState {
    /// What the store does when a change is logged (webhooks matching it are queued).
    mutating func changed(_ change: Change) throws(APIError) {}
}
