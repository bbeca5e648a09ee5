import JSON
import StoreAPI

/// Every entity of the store and every view of one, made once: the families' declarations,
/// and for each collection of the operation catalog no family declares, an entity of its own
/// named by its template (its parent the entity of the path above it). Checked at start-up: a
/// view of an undeclared entity, a reference to one, or a template served twice stops the process.
struct EntityCatalog: Sendable {
    private(set) var entities: [EntityName: Entity] = [:]
    private(set) var views: [String: View] = [:]
    /// The entities whose parent each entity is.
    private(set) var children: [EntityName: [EntityName]] = [:]
    /// The references that name each entity.
    private(set) var referrers: [EntityName: [(entity: EntityName, reference: Reference)]] = [:]
    private(set) var problems: [String] = []

    static let shared = EntityCatalog(families: Hooks.families)

    init(families: [any ResourceFamily.Type]) {
        for family in families {
            for entity in family.entities {
                if entities.updateValue(entity, forKey: entity.name) != nil { problems.append("entity \(entity.name) declared twice") }
            }
            for view in family.views {
                for template in view.templates where views.updateValue(view, forKey: template) != nil {
                    problems.append("template \(template) served by two views")
                }
            }
        }
        // What families know of entities by their templates (declared ones too).
        for view in Set(views.values.map(\.entity)).sorted() {
            guard var entity = entities[view], let template = views.values.first(where: { $0.entity == view })?.templates.first else { continue }
            for family in families { family.refine(&entity, template: template) }
            entities[view] = entity
        }
        // Every collection the catalog reaches and no view serves is an entity of its own.
        // A collection's ids are strings if any of its answer schemas says so; where none
        // shows an id, if any of its path parameters is a string.
        var bySchema: [String: Bool] = [:], byPath: [String: Bool] = [:]
        for op in OperationCatalog.all where op.kind.isCollection {
            let facts = PathFacts.of(op)
            if facts.idsFromSchema { bySchema[facts.collectionTemplate, default: false] = bySchema[facts.collectionTemplate, default: false] || facts.stringIDs }
            byPath[facts.collectionTemplate, default: false] = byPath[facts.collectionTemplate, default: false] || facts.stringIDs
        }
        let stringIDs = byPath.merging(bySchema) { _, schema in schema }
        // Shorter templates first: a parent's entity is known before its children's.
        for template in stringIDs.keys.sorted(by: { ($0.count, $0) < ($1.count, $1) }) where views[template] == nil {
            let name = EntityName(template)
            var entity = Entity(name, ids: stringIDs[template]! ? .uuid : .counted, dates: template.hasPrefix("/v2/") ? .rfc2822 : .rfc3339)
            if let above = Self.parentTemplate(template) {
                entity.parent = Parent(entity: views[above]?.entity ?? EntityName(above), field: nil)
            }
            for family in families { family.refine(&entity, template: template) }
            entities[name] = entity
            views[template] = View(template, entity: name)
        }
        for view in Set(views.values.map(\.entity)) where entities[view] == nil { problems.append("a view shows \(view), which no family declares") }
        for entity in entities.values {
            if let parent = entity.parent {
                if entities[parent.entity] == nil { problems.append("\(entity.name)'s parent \(parent.entity) is not an entity") }
                children[parent.entity, default: []].append(entity.name)
            }
            for reference in entity.references {
                if entities[reference.target] == nil { problems.append("\(entity.name).\(reference.field) names \(reference.target), which is not an entity") }
                referrers[reference.target, default: []].append((entity.name, reference))
            }
        }
        for key in children.keys { children[key]!.sort() }
    }

    /// `/v3/catalog/products/{}/options/{}/values` → `/v3/catalog/products/{}/options`.
    static func parentTemplate(_ template: String) -> String? {
        let segments = template.split(separator: "/", omittingEmptySubsequences: false)
        guard let last = segments.lastIndex(of: "{}") else { return nil }
        return segments[..<last].joined(separator: "/")
    }

    func entity(_ name: EntityName) -> Entity {
        guard let entity = entities[name] else { preconditionFailure("no entity \(name)") }
        return entity
    }

    func view(template: String) -> View? { views[template] }

    /// Stops the process when the declarations do not hold together.
    static func verify() {
        precondition(shared.problems.isEmpty, "sandbox entities: \(shared.problems.joined(separator: "; "))")
    }
}
