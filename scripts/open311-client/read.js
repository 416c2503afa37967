// Reads a Frontline server through node-open311, as a GeoReport v2 client
// would: node read.js ENDPOINT API_KEY ID. Prints what it read as JSON.
var Open311 = require('open311');
var endpoint = process.argv[2], key = process.argv[3], id = process.argv[4];
var client = new Open311({endpoint: endpoint, format: 'json'});
var out = {};
client.serviceList(function (err, services) {
  out.services = err ? {error: services} : services.map(function (s) { return s.service_code; });
  client.serviceRequests({api_key: key, status: 'open,closed'}, function (err, requests) {
    out.requests = err ? {error: requests} : requests.map(function (r) {
      return {id: r.service_request_id, status: r.status, requested: r.requested_datetime, expected: r.expected_datetime || null};
    });
    client.serviceRequest(id, {api_key: key}, function (err, one) {
      out.one = err ? {error: one} : one.map(function (r) { return r.service_request_id; });
      client.serviceRequests({}, function (err, body) {
        out.without_key = err ? body : 'read without a key';
        console.log(JSON.stringify(out));
      });
    });
  });
});
