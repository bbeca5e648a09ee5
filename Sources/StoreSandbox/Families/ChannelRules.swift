import JSON
import StoreAPI
import StoreCertificates

/// Channels and their site's checkout URL: the checkout URL must sit in the storefront's own
/// main domain (`checkout.example.com` for `shop.example.com`), is always https, and shows
/// among the site's URLs as `checkout`; deleting it falls back to the shared checkout.
enum ChannelRules: ResourceFamily {
    static let channel: EntityName = "channel"
    static let defaultChannel: JSON = 1

    static let entities = [Entity(channel, events: Events("store/channel", type: "channel"), columns: [Column("name", .text), Column("type", .text), Column("platform", .text)])]
    static let views = [View("/v3/channels", entity: channel)]

    /// A channel's site is a site row (SiteRules' entity), reached by the channel's id.
    static let routeReads = [RouteRead(template: "/v3/channels/{}/site", view: "/v3/sites")]

    static func register(_ hooks: inout Hooks) {
        hooks.replace("PUT /v3/channels/{channel_id}/site/checkout-url") { s, r throws(APIError) in try setCheckout(&s, r) }
        hooks.replace("DELETE /v3/channels/{channel_id}/site/checkout-url") { s, r throws(APIError) in
            var site = try channelSite(s, r)
            site["urls"] = .array((site["urls"]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "checkout" })
            site["is_checkout_url_customized"] = false
            site["updated_at"] = .string(SandboxClock.rfc3339(s.clock.now))
            try s.update(SiteRules.site, site)
            return .ok(.object(JSONObject([("data", .object(JSONObject())), ("meta", .object(JSONObject()))])), applied: true)
        }
        hooks.replace("GET /v3/channels/{channel_id}/site") { s, r throws(APIError) in .ok(s.envelope(r, .object(try channelSite(s, r)))) }
    }

    /// The channel's site (a channel has at most one).
    static func site(of channel: JSON, in s: StoreState) throws(APIError) -> JSONObject? {
        try s.rows(SiteRules.site, where: "channel_id", is: channel).first
    }

    static func channelSite(_ s: StoreState, _ r: SandboxRequest) throws(APIError) -> JSONObject {
        let channel = JSON.string(r.params["channel_id"] ?? "")
        guard try s.exists(Self.channel, channel) else { throw APIError.notFound("Channel \(StoreState.key(channel)) was not found") }
        guard let site = try site(of: channel, in: s) else { throw APIError.notFound("Channel \(StoreState.key(channel)) has no site") }
        return site
    }

    /// `shop.example.com` → `example.com`; `shop.example.co.uk` → `example.co.uk`.
    static func mainDomain(_ host: String) -> String {
        let labels = host.split(separator: ".")
        let secondLevel: Set<Substring> = ["co", "com", "net", "org", "ac", "gov", "edu"]
        let keep = labels.count >= 3 && labels[labels.count - 1].count == 2 && secondLevel.contains(labels[labels.count - 2]) ? 3 : 2
        return labels.suffix(keep).joined(separator: ".")
    }

    static func setCheckout(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var site = try channelSite(s, r)
        guard var url = try s.objectBody(r)["url"]?.stringValue, url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw APIError.invalid("The checkout URL is invalid", [("url", "a URL with its scheme is required (https://checkout.example.com)")])
        }
        // The API changes http to https.
        if url.hasPrefix("http://") { url = "https://" + url.dropFirst(7) }
        let host = HostCoverage.normalized(url)
        let primary = HostCoverage.normalized(site["url"]?.stringValue ?? "")
        let main = mainDomain(primary)
        guard !host.isEmpty, host == main || host.hasSuffix("." + main) else {
            throw APIError.invalid("Incorrect checkout url \(url). Your checkout and storefront must be within the same main domain like \u{201C}main.com\u{201D} and \u{201C}subdomain.main.com\u{201D}")
        }
        let now = SandboxClock.rfc3339(s.clock.now)
        var urls = (site["urls"]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "checkout" }
        urls.append(SiteRules.url(url, "checkout", now))
        site["urls"] = .array(urls)
        site["is_checkout_url_customized"] = true
        site["updated_at"] = .string(now)
        site = try s.update(SiteRules.site, site)
        return .ok(s.envelope(r, .object(site)), applied: true)
    }
}
