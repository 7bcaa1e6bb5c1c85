package sqlguard

import (
	"fmt"
	"sort"
	"strings"
)

// ioCategories are the functions and table functions through which a
// query reaches files, the network or processes from the ClickHouse server,
// with what they reach. Table functions of ClickHouse 26.7 that are not here
// are in localTableFunctions; a test against the real server keeps the two
// lists complete, and a table function of a newer server that neither list
// names is treated as IO (see Policy.ServerTableFunctions).
var ioCategories = []struct {
	reason string
	names  []string
}{
	{"reads files on the ClickHouse server", []string{"file", "fileCluster", "filesystem", "sqlite",
		"deltaLakeLocal", "icebergLocal", "icebergLocalCluster", "paimonLocal", "catboostEvaluate"}},
	{"connects to a URL", []string{"url", "urlCluster"}},
	{"connects to object storage", []string{"s3", "s3Cluster", "gcs", "cosn", "oss", "azureBlobStorage",
		"azureBlobStorageCluster", "iceberg", "icebergS3", "icebergAzure", "icebergHDFS", "icebergCluster",
		"icebergS3Cluster", "icebergAzureCluster", "icebergHDFSCluster", "deltaLake", "deltaLakeS3",
		"deltaLakeAzure", "deltaLakeCluster", "deltaLakeS3Cluster", "deltaLakeAzureCluster", "hudi",
		"hudiCluster", "paimon", "paimonS3", "paimonAzure", "paimonHDFS", "paimonCluster", "paimonS3Cluster",
		"paimonAzureCluster", "paimonHDFSCluster"}},
	{"connects to HDFS", []string{"hdfs", "hdfsCluster"}},
	{"connects to another ClickHouse server", []string{"remote", "remoteSecure"}},
	{"connects to another database", []string{"mysql", "postgresql", "mongodb", "redis", "ytsaurus"}},
	{"connects through a JDBC or ODBC bridge", []string{"jdbc", "odbc"}},
	{"runs a program on the ClickHouse server", []string{"executable"}},
	{"reads data sent with an INSERT", []string{"input"}},
	{"reads a dictionary, whose source may be a file, a URL, a database or a program", []string{"dictionary"}},
	// Table engines and dictionary sources (CREATE through write_query).
	{"is a table engine or dictionary source that reaches files, the network or processes",
		[]string{"kafka", "rabbitmq", "nats", "s3queue", "azurequeue", "fileLog", "executablePool",
			"executable_pool", "http", "cassandra", "clickhouse", "yamlRegExpTree"}},
	{"runs SQL built while the query runs, which chmcp cannot check", []string{"eval"}},
	{"sends its arguments over HTTP to an AI provider", []string{"aiClassify", "aiEmbed", "aiExtract", "aiGenerate",
		"aiTranslate"}},
}

// ioFunctions maps each lower-cased IO name to its reason.
var ioFunctions = func() map[string]string {
	m := map[string]string{}
	for _, c := range ioCategories {
		for _, n := range c.names {
			m[strings.ToLower(n)] = c.reason
		}
	}
	return m
}()

// dictionaryPrefix: dictGet, dictGetString, dictHas, dictIsIn, ... read a
// dictionary, whose source may be external.
const dictionaryPrefix = "dict"

// localTableFunctions stay inside the ClickHouse cluster: they generate
// data, read local tables (with the caller's grants) or the configured
// cluster's nodes.
var localTableFunctions = map[string]bool{
	"sqlstandardvalues": true, "cluster": true, "clusterallreplicas": true, "format": true, "fuzzjson": true,
	"fuzzquery": true, "generaterandom": true, "generateseries": true, "generate_series": true, "loop": true,
	"merge": true, "mergetreeanalyzeindexes": true, "mergetreeanalyzeindexesuuid": true, "mergetreeindex": true,
	"mergetreeprojection": true, "mergetreetextindex": true, "null": true, "numbers": true, "numbers_mt": true,
	"primes": true, "prometheusquery": true, "prometheusqueryrange": true, "timeseriesdata": true,
	"timeseriesmetrics": true, "timeseriessamples": true, "timeseriesselector": true, "timeseriestags": true,
	"values": true, "view": true, "viewexplain": true, "viewifpermitted": true, "zeros": true, "zeros_mt": true,
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// IOFunctions lists the names the guard treats as IO (lower-cased), for
// docs and tests; the dict* family is listed as "dict*".
func IOFunctions() []string {
	names := append(sortedKeys(ioFunctions), dictionaryPrefix+"*")
	sort.Strings(names)
	return names
}

// LocalTableFunctions lists the table functions known to stay local.
func LocalTableFunctions() []string {
	names := make([]string, 0, len(localTableFunctions))
	for k := range localTableFunctions {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ioReason says why name is IO, or "" when it is not.
func (p *Policy) ioReason(name string) string {
	lower := strings.ToLower(name)
	if r, ok := ioFunctions[lower]; ok {
		return r
	}
	if strings.HasPrefix(lower, dictionaryPrefix) {
		return "reads a dictionary, whose source may be a file, a URL, a database or a program"
	}
	if p != nil && p.ServerTableFunctions[lower] && !localTableFunctions[lower] {
		return "is a table function chmcp does not know to stay inside the cluster"
	}
	return ""
}

// allowed reports whether the operator opened name with
// clickhouse.allowed_io_functions (an exact name or a prefix ending in "*").
func (p *Policy) allowed(name string) bool {
	if p == nil {
		return false
	}
	lower := strings.ToLower(name)
	for _, a := range p.AllowedIO {
		a = strings.ToLower(a)
		if a == lower || strings.HasSuffix(a, "*") && strings.HasPrefix(lower, strings.TrimSuffix(a, "*")) {
			return true
		}
	}
	return false
}

// checkFunction refuses an IO function the operator did not allow.
func (p *Policy) checkFunction(name string) error {
	reason := p.ioReason(name)
	if reason == "" || p.allowed(name) {
		return nil
	}
	return &Error{Reason: fmt.Sprintf("%s() %s; chmcp refuses it unless the operator lists it in clickhouse.allowed_io_functions", name, reason)}
}
