/// One page of a listing (RFC 7644 §3.4.2, RFC 9865 §2), read leniently: `Resources` in any case and
/// missing when empty, numbers as strings, `itemsPerPage` ignored (servers disagree on its meaning).
struct SCIMListPage {
    let totalResults: Int?
    let startIndex: Int?
    let nextCursor: String?
    let resources: [JSONObject]

    init(body: [UInt8], at location: SCIMRequestLocation) throws(SCIMError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(body)
        } catch {
            throw .malformedBody(at: location, problem: error.description)
        }
        guard case .object(let object) = json else {
            throw .notAListResponse(at: location, problem: "the body is not a JSON object")
        }
        let resourcesValue = object["Resources"]
        totalResults = object["totalResults"]?.lenientInt
        startIndex = object["startIndex"]?.lenientInt
        nextCursor = object["nextCursor"]?.text.flatMap { $0.isEmpty ? nil : $0 }
        if resourcesValue == nil, totalResults == nil, nextCursor == nil {
            throw .notAListResponse(at: location, problem: "it has no Resources, totalResults or nextCursor")
        }
        switch resourcesValue {
        case nil, .null?:
            resources = []
        case .array(let items)?:
            var objects: [JSONObject] = []
            objects.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard case .object(let resource) = item else {
                    throw .notAListResponse(at: location, problem: "resource \(index + 1) is not a JSON object")
                }
                objects.append(resource)
            }
            resources = objects
        case .some:
            throw .notAListResponse(at: location, problem: "Resources is not a list")
        }
    }
}
