// Package deploy holds the production topology of profdev and the tests that prove it: the
// compose file, the Kubernetes manifests of profdev's own pieces and the values for
// Temporal's Helm chart are checked against the binary (deploy_test.go, in `make test`),
// and the same topology is run on this machine with faults and a rolling upgrade
// (topology_test.go, build tag `topology`, `make topology`). See README.md.
package deploy
