package clickhouse

import (
	"crypto/tls"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseDSN does not implement all use cases yet
func TestParseDSN(t *testing.T) {
	testCases := []struct {
		name        string
		dsn         string
		expected    *Options
		expectedErr string
	}{
		{
			"empty dsn",
			"",
			nil,
			"parse dsn address failed",
		},
		{
			"no host",
			"/test_database",
			nil,
			"parse dsn address failed",
		},
		{
			"no protocol",
			"127.0.0.1/test_database",
			nil,
			"parse dsn address failed",
		},
		{
			"native protocol",
			"clickhouse://127.0.0.1/",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				scheme:   "clickhouse",
			},
			"",
		},
		{
			"http protocol",
			"http://127.0.0.1/",
			&Options{
				Protocol: HTTP,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				scheme:   "http",
			},
			"",
		},
		{
			"native protocol",
			"clickhouse://127.0.0.1/test_database",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"http protocol",
			"http://127.0.0.1/test_database",
			&Options{
				Protocol: HTTP,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "http",
			},
			"",
		},
		{
			"native protocol with user",
			"clickhouse://user@127.0.0.1/test_database",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
					Username: "user",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with authenticated user",
			"clickhouse://joe:Ys31@127.0.0.1/test_database",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
					Username: "joe",
					Password: "Ys31",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with debug",
			"clickhouse://127.0.0.1/test_database?debug=true",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				Debug:  true,
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with secure",
			"clickhouse://127.0.0.1/test_database?secure=true",
			&Options{
				Protocol: Native,
				TLS: &tls.Config{
					InsecureSkipVerify: false,
				},
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with skip_verify",
			"clickhouse://127.0.0.1/test_database?secure=true&skip_verify=true",
			&Options{
				Protocol: Native,
				TLS: &tls.Config{
					InsecureSkipVerify: true,
				},
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with secure (legacy)",
			"clickhouse://127.0.0.1/test_database?secure",
			&Options{
				Protocol: Native,
				TLS: &tls.Config{
					InsecureSkipVerify: false,
				},
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with skip_verify (legacy)",
			"clickhouse://127.0.0.1/test_database?secure&skip_verify",
			&Options{
				Protocol: Native,
				TLS: &tls.Config{
					InsecureSkipVerify: true,
				},
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with secure and no tls_server_name",
			"clickhouse://127.0.0.1/test_database?secure=true",
			&Options{
				Protocol: Native,
				TLS: &tls.Config{
					InsecureSkipVerify: false,
					ServerName:         "",
				},
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with tls_server_name",
			"clickhouse://127.0.0.1/test_database?secure=true&tls_server_name=clickhouse.local",
			&Options{
				Protocol: Native,
				TLS: &tls.Config{
					InsecureSkipVerify: false,
					ServerName:         "clickhouse.local",
				},
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with tls_server_name (empty)",
			"clickhouse://127.0.0.1/test_database?secure=true&tls_server_name=",
			nil,
			"clickhouse [dsn parse]: tls_server_name must not be empty",
		},
		{
			"native protocol with tls_server_name without secure",
			"clickhouse://127.0.0.1/test_database?tls_server_name=clickhouse.local",
			nil,
			"clickhouse [dsn parse]: tls_server_name requires secure=true",
		},
		{
			"native protocol with secure (bad)",
			"clickhouse://127.0.0.1/test_database?secure=ture",
			nil,
			"clickhouse [dsn parse]:secure: strconv.ParseBool: parsing \"ture\": invalid syntax",
		},
		{
			"native protocol with skip_verify (bad)",
			"clickhouse://127.0.0.1/test_database?secure&skip_verify=ture",
			nil,
			"clickhouse [dsn parse]:verify: strconv.ParseBool: parsing \"ture\": invalid syntax",
		},
		{
			"native protocol with default lz4 compression",
			"clickhouse://127.0.0.1/test_database?compress=true",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Compression: &Compression{
					Method: CompressionLZ4,
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with none compression",
			"clickhouse://127.0.0.1/test_database?compress=none",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Compression: &Compression{
					Method: CompressionNone,
					Level:  3,
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with zstd compression",
			"clickhouse://127.0.0.1/test_database?compress=zstd",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Compression: &Compression{
					Method: CompressionZSTD,
					Level:  3,
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with lz4 compression",
			"clickhouse://127.0.0.1/test_database?compress=lz4",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Compression: &Compression{
					Method: CompressionLZ4,
					Level:  3,
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with gzip compression",
			"clickhouse://127.0.0.1/test_database?compress=gzip",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Compression: &Compression{
					Method: CompressionGZIP,
					Level:  3,
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with deflate compression",
			"clickhouse://127.0.0.1/test_database?compress=deflate",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Compression: &Compression{
					Method: CompressionDeflate,
					Level:  3,
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with br compression",
			"clickhouse://127.0.0.1/test_database?compress=br",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Compression: &Compression{
					Method: CompressionBrotli,
					Level:  3,
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with default lz4 compression and compression level 5",
			"clickhouse://127.0.0.1/test_database?compress=true&compress_level=5",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Compression: &Compression{
					Method: CompressionLZ4,
					Level:  5,
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with 1KiB max compression buffer",
			"clickhouse://127.0.0.1/test_database?max_compression_buffer=1024",
			&Options{
				Protocol:             Native,
				TLS:                  nil,
				Addr:                 []string{"127.0.0.1"},
				Settings:             Settings{},
				MaxCompressionBuffer: 1024,
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"native protocol with invalid numeric max compression buffer",
			"clickhouse://127.0.0.1/test_database?max_compression_buffer=onebyte",
			nil,
			"max_compression_buffer invalid value: strconv.Atoi: parsing \"onebyte\": invalid syntax",
		},
		{
			"native protocol with invalid numeric compress level",
			"clickhouse://127.0.0.1/test_database?compress_level=first",
			nil,
			"compress_level invalid value: strconv.ParseInt: parsing \"first\": invalid syntax",
		},
		{
			"native protocol dial timeout",
			"clickhouse://127.0.0.1/test_database?max_compression_buffer=1024",
			&Options{
				Protocol:             Native,
				TLS:                  nil,
				Addr:                 []string{"127.0.0.1"},
				Settings:             Settings{},
				MaxCompressionBuffer: 1024,
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"client info",
			"clickhouse://127.0.0.1/test_database?client_info_product=grafana/6.1,clickhouse-datasource/1.1",
			&Options{
				Protocol: Native,
				ClientInfo: ClientInfo{
					Products: []struct{ Name, Version string }{
						{"grafana", "6.1"},
						{"clickhouse-datasource", "1.1"},
					},
				},
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"client connection pool settings",
			"clickhouse://127.0.0.1/test_database?max_open_conns=-1&max_idle_conns=0&conn_max_lifetime=1h",
			&Options{
				Protocol:        Native,
				MaxOpenConns:    -1,
				MaxIdleConns:    0,
				ConnMaxLifetime: time.Hour,
				Addr:            []string{"127.0.0.1"},
				Settings:        Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"http protocol with proxy",
			"http://127.0.0.1/?http_proxy=http%3A%2F%2Fproxy.example.com%3A3128",
			&Options{
				Protocol:     HTTP,
				TLS:          nil,
				Addr:         []string{"127.0.0.1"},
				Settings:     Settings{},
				scheme:       "http",
				HTTPProxyURL: parseURL(t, "http://proxy.example.com:3128"),
			},
			"",
		},
		{
			"clickhouse proxy with database as query string",
			"tcp://127.0.0.1/?database=bla",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: `bla`,
				},
				scheme: "tcp",
			},
			"",
		},
		{
			"clickhouse proxy with hosts and alt_hosts as query strings",
			"tcp://127.0.0.1/?hosts=127.0.0.2&alt_hosts=127.0.0.3",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.2", "127.0.0.1", "127.0.0.3"},
				Settings: Settings{},
				Auth:     Auth{},
				scheme:   "tcp",
			},
			"",
		},
		{
			"clickhouse proxy trims and skips empty query string hosts",
			"tcp://127.0.0.1/?hosts=%20%20a,%20b,,&alt_hosts=%20",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"a", "b", "127.0.0.1"},
				Settings: Settings{},
				Auth:     Auth{},
				scheme:   "tcp",
			},
			"",
		},
		{
			"clickhouse proxy ignores empty hosts query string",
			"tcp://127.0.0.1/?hosts=",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth:     Auth{},
				scheme:   "tcp",
			},
			"",
		},
		{
			"http protocol with custom http_path",
			"https://127.0.0.1/clickhouse?secure=true&skip_verify=true&http_path=/clickhouse",
			&Options{
				Protocol: HTTP,
				TLS: &tls.Config{
					InsecureSkipVerify: true,
				},
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{},
				Auth: Auth{
					Database: "clickhouse",
				},
				HttpUrlPath: "/clickhouse",
				scheme:      "https",
			},
			"",
		},
		{
			"setting value preserves original case",
			"clickhouse://127.0.0.1/test_database?log_comment=REQUEST_TYPE:proxy%3BUSER_ID:TEST",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{
					"log_comment": "REQUEST_TYPE:proxy;USER_ID:TEST",
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"setting boolean true is case insensitive",
			"clickhouse://127.0.0.1/test_database?async_insert=True",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{
					"async_insert": int(1),
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"setting numeric value preserved",
			"clickhouse://127.0.0.1/test_database?max_block_size=65505",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1"},
				Settings: Settings{
					"max_block_size": int(65505),
				},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"multiple hosts in HA mode",
			"clickhouse://127.0.0.1:9440,127.0.0.2:9440/test_database",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1:9440", "127.0.0.2:9440"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"multiple IPv6 hosts in HA mode",
			"clickhouse://[::1]:9440,[fe80::2]:9440/test_database",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"[::1]:9440", "[fe80::2]:9440"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
		{
			"multiple hosts in HA mode with mixed explicit and default ports",
			"clickhouse://127.0.0.1:9440,127.0.0.2/test_database",
			&Options{
				Protocol: Native,
				TLS:      nil,
				Addr:     []string{"127.0.0.1:9440", "127.0.0.2"},
				Settings: Settings{},
				Auth: Auth{
					Database: "test_database",
				},
				scheme: "clickhouse",
			},
			"",
		},
	}

	for _, testCase := range testCases {
		t.Run(testCase.name, func(t *testing.T) {
			opts, err := ParseDSN(testCase.dsn)

			if testCase.expectedErr != "" {
				assert.Nil(t, opts)
				assert.EqualError(t, err, testCase.expectedErr)
				return
			}

			assert.Equal(t, testCase.expected, opts)
			assert.Nil(t, err)
		})
	}
}

func TestEffectiveInitialUser(t *testing.T) {
	ordinary := &connect{opt: &Options{Auth: Auth{Username: "authenticated"}}}
	require.Empty(t, ordinary.effectiveInitialUser("override"))
	require.Empty(t, ordinary.effectiveInitialUser(""))

	interserver := &connect{opt: &Options{
		Auth:    Auth{Username: "fallback"},
		Cluster: ClusterCredentials{Secret: "secret"},
	}}
	require.Equal(t, "override", interserver.effectiveInitialUser("override"))
	require.Equal(t, "fallback", interserver.effectiveInitialUser(""))
}

func parseURL(t *testing.T, v string) *url.URL {
	u, err := url.Parse(v)
	require.NoError(t, err)
	return u
}

func TestLogger(t *testing.T) {
	t.Run("debug=1 via DSN produces non-noop logger", func(t *testing.T) {
		opts, err := ParseDSN("clickhouse://127.0.0.1/test?debug=1")
		require.NoError(t, err)
		require.True(t, opts.Debug)

		logger := opts.logger()
		require.NotNil(t, logger)
		_, isNoop := logger.Handler().(*noopHandler)
		assert.False(t, isNoop, "expected non-noop logger when debug=1")
	})

	t.Run("no debug flag produces noop logger", func(t *testing.T) {
		opts, err := ParseDSN("clickhouse://127.0.0.1/test")
		require.NoError(t, err)
		require.False(t, opts.Debug)

		logger := opts.logger()
		require.NotNil(t, logger)
		_, isNoop := logger.Handler().(*noopHandler)
		assert.True(t, isNoop, "expected noop logger when debug is not set")
	})

	t.Run("custom Logger takes precedence over Debug=true", func(t *testing.T) {
		customLogger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelWarn}))
		opts := &Options{Debug: true, Logger: customLogger}
		logger := opts.logger()
		assert.Equal(t, customLogger, logger, "custom Logger should take precedence over Debug=true when Debugf is nil")
	})
}

// TestParseDSNErrorRedactsPassword makes sure that DSN parse errors do not
// expose credentials. Callers often log the error of ParseDSN or sql.Open.
func TestParseDSNErrorRedactsPassword(t *testing.T) {
	const secret = "S3cretPW"
	testCases := []struct {
		name     string
		dsn      string
		contains string
	}{
		{
			name:     "no credentials keeps the original error",
			dsn:      "clickhouse://127.0.0.1:abc/db?debug=true",
			contains: `parse "clickhouse://127.0.0.1:abc/db?debug=true": invalid port ":abc" after host`,
		},
		{
			name:     "userinfo password with invalid port",
			dsn:      "clickhouse://user:" + secret + "@127.0.0.1:abc/db",
			contains: `invalid port ":abc" after host`,
		},
		{
			name:     "userinfo password with invalid escape",
			dsn:      "clickhouse://user:" + secret + "%zz@127.0.0.1:9000/db",
			contains: "user:xxxxx@127.0.0.1:9000/db",
		},
		{
			name:     "userinfo password with unescaped at sign",
			dsn:      "clickhouse://user:S3c@retPW@127.0.0.1:abc/db",
			contains: "user:xxxxx@127.0.0.1:abc/db",
		},
		{
			name:     "userinfo password with unescaped slash",
			dsn:      "clickhouse://user:S3cret/PW@127.0.0.1:9000/db",
			contains: `parse "clickhouse://user:xxxxx@127.0.0.1:9000/db": invalid URL (details hidden because they may contain credentials; URL-encode the username, password and http_proxy values)`,
		},
		{
			name:     "userinfo password with unescaped hash",
			dsn:      "clickhouse://user:S3c#retPW@127.0.0.1:9000/db",
			contains: "details hidden because they may contain credentials",
		},
		{
			name:     "userinfo password with invalid escape inside",
			dsn:      "clickhouse://user:S3c%ssPW@127.0.0.1:9000/db",
			contains: "details hidden because they may contain credentials",
		},
		{
			name:     "userinfo password with colon and unescaped slash",
			dsn:      "clickhouse://user:S3c:retPW/x@127.0.0.1:9000/db",
			contains: "details hidden because they may contain credentials",
		},
		{
			name:     "userinfo password with comma and unescaped slash",
			dsn:      "clickhouse://user:S3c,retPW/x@127.0.0.1:9000/db",
			contains: "details hidden because they may contain credentials",
		},
		{
			name:     "userinfo password with brackets and unescaped slash",
			dsn:      "clickhouse://user:S3c[x]retPW/x@127.0.0.1:9000/db",
			contains: "details hidden because they may contain credentials",
		},
		{
			name:     "password query parameter with invalid port",
			dsn:      "clickhouse://127.0.0.1:abc/db?username=user&password=" + secret + "&debug=true",
			contains: "?username=user&password=xxxxx&debug=true",
		},
		{
			name:     "password query parameter with unescaped at sign",
			dsn:      "clickhouse://127.0.0.1:abc/db?password=S3c@retPW",
			contains: `invalid port ":abc" after host`,
		},
		{
			name:     "password query parameter with unescaped at sign and invalid escape",
			dsn:      "clickhouse://127.0.0.1:9000/d%zzb?password=S3c@retPW",
			contains: "127.0.0.1:9000/d%zzb?password=xxxxx",
		},
		{
			name:     "userinfo password and password query parameter with unescaped at sign",
			dsn:      "clickhouse://user:S3c@127.0.0.1:abc/db?password=x@retPW",
			contains: "user:xxxxx@127.0.0.1:abc/db?password=xxxxx",
		},
		{
			name:     "password query parameter with unescaped hash",
			dsn:      "clickhouse://127.0.0.1:abc/db?password=S3c#retPW",
			contains: "127.0.0.1:abc/db?password=xxxxx\"",
		},
		{
			name:     "password query parameter with unescaped ampersand",
			dsn:      "clickhouse://127.0.0.1:abc/db?password=S3c&retPW&debug=true",
			contains: "127.0.0.1:abc/db?password=xxxxx&debug=true",
		},
		{
			name:     "password query parameter with unescaped question mark",
			dsn:      "clickhouse://127.0.0.1:abc/db?password=S3c?retPW&debug=true",
			contains: "127.0.0.1:abc/db?password=xxxxx&debug=true",
		},
		{
			name:     "password query parameter with unescaped question mark and equals sign",
			dsn:      "clickhouse://127.0.0.1:abc/db?password=S3c?retPW=1&debug=true",
			contains: "127.0.0.1:abc/db?password=xxxxx&debug=true",
		},
		{
			name:     "userinfo password with question mark and equals sign and password query parameter",
			dsn:      "clickhouse://user:S3c?x=1@127.0.0.1:abc/db?password=retPW",
			contains: "user:xxxxx@127.0.0.1:abc/db?password=xxxxx",
		},
		{
			name:     "unescaped http_proxy credentials with question mark in DSN with invalid escape",
			dsn:      "clickhouse://127.0.0.1/d%zz?http_proxy=http://u:S3c?retPW@proxy:3128",
			contains: "http_proxy=http%3A%2F%2Fu%3Axxxxx%40proxy%3A3128",
		},
		{
			name:     "password query parameter with escaped key",
			dsn:      "clickhouse://127.0.0.1:abc/db?pass%77ord=" + secret,
			contains: "127.0.0.1:abc/db?pass%77ord=xxxxx",
		},
		{
			name:     "userinfo password with question mark and password query parameter",
			dsn:      "clickhouse://user:S3c?x@127.0.0.1:abc/db?password=retPW",
			contains: "user:xxxxx@127.0.0.1:abc/db?password=xxxxx",
		},
		{
			name:     "escaped http_proxy credentials in DSN with invalid port",
			dsn:      "clickhouse://127.0.0.1:abc/db?http_proxy=http%3A%2F%2Fu%3A" + secret + "%40proxy%3A3128",
			contains: "http_proxy=http%3A%2F%2Fu%3Axxxxx%40proxy%3A3128",
		},
		{
			name:     "unescaped http_proxy credentials in DSN with invalid port",
			dsn:      "clickhouse://127.0.0.1:abc/db?http_proxy=http://u:" + secret + "@proxy:3128",
			contains: `invalid port ":abc" after host`,
		},
		{
			name:     "http_proxy credentials with invalid escape in DSN with invalid port",
			dsn:      "clickhouse://127.0.0.1:abc/db?http_proxy=http%3A%2F%2Fu%3AS3c%zzretPW%40proxy",
			contains: "http_proxy=xxxxx",
		},
		{
			name:     "http_proxy credentials with invalid host",
			dsn:      "http://127.0.0.1:8123?http_proxy=http%3A%2F%2Fproxyuser%3A" + secret + "%40pro%20xy%3A3128",
			contains: "http_proxy",
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDSN(tc.dsn)
			require.Error(t, err)
			msg := err.Error()
			assert.NotContains(t, msg, "S3c")
			assert.NotContains(t, msg, "PW")
			assert.Contains(t, msg, tc.contains)
		})
	}
}
