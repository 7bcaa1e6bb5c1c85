package chtest

// DemoSQL returns statements that (re)create the `demo` database: a small,
// deterministic bike-share dataset with table and column comments, so people and
// AI assistants have something meaningful to explore. Run them in order, one
// statement per Exec. The first statement drops any existing `demo` database.
func DemoSQL() []string {
	return []string{
		`DROP DATABASE IF EXISTS demo SYNC`,
		`CREATE DATABASE demo COMMENT 'Demo bike-share data: docking stations, trips and mobile app events (summer 2025)'`,

		`CREATE TABLE demo.stations (
    station_id UInt16 COMMENT 'Station identifier; trips and events refer to it',
    name String COMMENT 'Human-readable station name',
    district LowCardinality(String) COMMENT 'City district the station is in',
    latitude Float64 COMMENT 'WGS84 latitude in degrees',
    longitude Float64 COMMENT 'WGS84 longitude in degrees',
    capacity UInt8 COMMENT 'Number of docks at the station',
    opened_on Date COMMENT 'Date the station opened'
) ENGINE = MergeTree ORDER BY station_id
COMMENT 'Bike-share docking stations, one row per station'`,

		`INSERT INTO demo.stations
SELECT
    number + 1,
    concat(['Harbor', 'Market Square', 'Central Park', 'Museum', 'Central Station', 'University', 'Riverside', 'Old Town'][number % 8 + 1],
           ' ', ['North', 'South', 'East'][intDiv(number, 8) + 1]),
    ['Center', 'Docklands', 'Campus', 'Old Town'][number % 4 + 1],
    round(52.35 + (number % 6) * 0.011, 5),
    round(4.86 + intDiv(number, 6) * 0.013, 5),
    12 + (number * 7) % 20,
    toDate('2019-03-01') + number * 41
FROM numbers(24)`,

		`CREATE TABLE demo.trips (
    trip_id UInt32 COMMENT 'Trip identifier',
    started_at DateTime('UTC') COMMENT 'When the bike was undocked (UTC)',
    ended_at DateTime('UTC') COMMENT 'When the bike was docked again (UTC)',
    start_station_id UInt16 COMMENT 'Station the trip started at (demo.stations.station_id)',
    end_station_id UInt16 COMMENT 'Station the trip ended at (demo.stations.station_id)',
    rider_type LowCardinality(String) COMMENT 'member (monthly subscription) or casual (pays per ride)',
    bike_type Enum8('classic' = 1, 'electric' = 2) COMMENT 'Kind of bike used',
    distance_km Float32 COMMENT 'Distance ridden in kilometres',
    fare_eur Decimal(8, 2) COMMENT 'Amount charged in euros; members ride the first 30 minutes free'
) ENGINE = MergeTree PARTITION BY toYYYYMM(started_at) ORDER BY (started_at, trip_id)
COMMENT 'Completed bike trips, one row per trip, June to August 2025'`,

		// Each attribute draws on its own hash so the columns are uncorrelated.
		`INSERT INTO demo.trips
SELECT
    number + 1,
    start,
    start + duration_s,
    1 + cityHash64(number, 'from') % 24,
    1 + cityHash64(number, 'to') % 24,
    if(member, 'member', 'casual'),
    if(electric, 'electric', 'classic'),
    round(duration_s / 3600 * 15 * (0.6 + cityHash64(number, 'speed') % 80 / 100), 2),
    toDecimal64(if(member, greatest(duration_s / 60 - 30, 0) * 0.15, 1 + duration_s / 60 * 0.25)
        + if(electric, duration_s / 60 * 0.10, 0), 2)
FROM (
    SELECT
        number,
        toDateTime('2025-06-01 00:00:00', 'UTC') + intDiv(number * 7948800, 10000) AS start,
        180 + cityHash64(number, 'duration') % 2400 AS duration_s,
        cityHash64(number, 'rider') % 10 < 6 AS member,
        cityHash64(number, 'bike') % 3 = 0 AS electric
    FROM numbers(10000)
)`,

		`CREATE TABLE demo.events (
    event_time DateTime64(3, 'UTC') COMMENT 'When the app recorded the event (UTC, millisecond precision)',
    event_type LowCardinality(String) COMMENT 'app_open, search, unlock, payment_failed or support_ticket',
    user_id UInt32 COMMENT 'Pseudonymous app user id',
    station_id Nullable(UInt16) COMMENT 'Station involved (demo.stations.station_id); NULL if none',
    platform Enum8('ios' = 1, 'android' = 2, 'web' = 3) COMMENT 'Client platform',
    properties Map(String, String) COMMENT 'Free-form attributes such as app_version or error'
) ENGINE = MergeTree ORDER BY (event_type, event_time)
COMMENT 'Mobile app events, for funnel and error analysis'`,

		`INSERT INTO demo.events
SELECT
    toDateTime64('2025-06-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(intDiv(number * 7948800000, 5000) + cityHash64(number, 'ms') % 1000),
    ['app_open', 'app_open', 'search', 'search', 'unlock', 'unlock', 'unlock', 'payment_failed', 'support_ticket'][cityHash64(number, 'type') % 9 + 1] AS event_type,
    1000 + cityHash64(number, 'user') % 700,
    if(event_type IN ('app_open', 'support_ticket'), NULL, 1 + cityHash64(number, 'station') % 24),
    ['ios', 'android', 'web'][cityHash64(number, 'platform') % 3 + 1],
    if(event_type = 'payment_failed',
        map('app_version', app_version, 'error', ['card_declined', 'insufficient_funds', 'timeout'][cityHash64(number, 'error') % 3 + 1]),
        map('app_version', app_version))
FROM (
    SELECT number, concat('4.', toString(cityHash64(number, 'version') % 3)) AS app_version
    FROM numbers(5000)
)`,
	}
}
