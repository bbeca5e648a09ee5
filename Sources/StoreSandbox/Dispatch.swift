import JSON
import StoreAPI

extension StoreState {
    /// The resources with behaviour of their own answer first; the rest generically.
    mutating func handle(_ r: SandboxRequest) throws(APIError) -> Outcome {
        if r.op.version == "digicert" { return try DigiCertRules.handle(&self, r) }
        if r.op.luaName == "bc.themes.upload" { return try Uploads.createTheme(&self, r) }
        if let special = try CatalogRules.handle(&self, r) { return special }
        return try handleGenerically(r)
    }
}
