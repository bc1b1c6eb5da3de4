# bench/scan/latency.sh — part (f) of bench/scan/run: the same scan with a
# fixed latency added to every request, as from a distant DynamoDB.
#
# dynalite answers a page in milliseconds on loopback; DynamoDB takes tens
# of milliseconds, so what decides the speed there is how well requests
# overlap.  test/faultproxy.py --latency-ms N sits in front of dynalite and
# holds every request N ms (requests on different connections wait at the
# same time).  At each latency in LATENCIES, every client reads the whole
# table sequentially and with each LAT_SEGMENTS count: awstore (a foreign
# server whose endpoint is the proxy), boto3 (the paginator, and a thread
# per segment over one client) and the raw client (raw_scan.py).  A proxy
# at 0 ms shows what the proxy itself costs: the raw client through it
# against the raw client straight to dynalite.
#
# Sourced by bench/scan/run after its setup (dynalite, the cluster, the
# loaded table); it uses run's measuring functions and variables, defines
# functions and runs nothing:
#   latency_setup   the proxies, a foreign server and tables on each, and
#                   the table of LAT_ITEMS items when that is not ITEMS;
#   latency_round   every measurement once;
#   latency_report  the figures, ratios and targets; out/latency.tsv, and
#                   out/latency.png when gnuplot is installed.

# Start the proxies (one a latency, and one at 0 ms), and the foreign
# servers and tables on them.  Sets lat_endpoint, lat_pid and lat_table.
latency_setup() {
	local l n dir line
	declare -gA lat_endpoint lat_pid
	# The proxy checks signatures: the keys the bench's clients sign with.
	AWSTORE_FAULT_ACCESS_KEY=$(bench_client_const ACCESS_KEY)
	AWSTORE_FAULT_SECRET_KEY=$(bench_client_const SECRET_KEY)
	AWSTORE_FAULT_REGION=$(bench_client_const REGION)
	lat_table=$table
	if [ "$LAT_ITEMS" != "$ITEMS" ]; then
		lat_table=bench_lat_attributes
		awstore_log "loading $LAT_ITEMS items into $lat_table for the latency part"
		line=$("$PYTHON" "$bench_dir/load.py" --endpoint "$endpoint" --table "$lat_table" \
			--items "$LAT_ITEMS" --workers "$LOAD_WORKERS" --item-bytes "$ITEM_BYTES" --seed 3)
		[ "$(field_of "$line" items)" = "$LAT_ITEMS" ] || awstore_die "loading $lat_table: $line"
	fi
	for l in 0 $LATENCIES; do
		dir=$work/proxy_${l}ms
		mkdir -p "$dir"
		[ "$(id -u)" -eq 0 ] && chown "$AWSTORE_TEST_USER" "$dir"
		awstore_log "starting test/faultproxy.py --latency-ms $l in front of dynalite"
		AWSTORE_FAULT_LATENCY_MS=$l
		awstore_start_faultproxy "$dir" "$endpoint"
		lat_endpoint[$l]=$AWSTORE_FAULT_ENDPOINT
		lat_pid[$l]=$(bench_proc_pid "${_awstore_pids[-1]}" python3) ||
			awstore_die "could not find the proxy's python3 process"
		[ "$l" = 0 ] && continue
		sql -c "CREATE SERVER dynamo_lat$l FOREIGN DATA WRAPPER awstore_dynamodb
				OPTIONS (endpoint '${lat_endpoint[$l]}', region '$AWSTORE_FAULT_REGION')" \
			-c "CREATE USER MAPPING FOR CURRENT_USER SERVER dynamo_lat$l
				OPTIONS (access_key_id '$AWSTORE_FAULT_ACCESS_KEY',
					secret_access_key '$AWSTORE_FAULT_SECRET_KEY')"
		foreign_table "lat${l}_seg1" "$lat_table" "" "dynamo_lat$l"
		for n in $LAT_SEGMENTS; do foreign_table "lat${l}_seg$n" "$lat_table" "$n" "dynamo_lat$l"; done
	done
	unset AWSTORE_FAULT_LATENCY_MS
}

# A constant of bench/scan/dynclient.py (the keys and region the clients
# sign with).
bench_client_const() {
	"$PYTHON" -c "import sys; sys.path.insert(0, '$bench_dir'); import dynclient; print(dynclient.$1)"
}

# Like run's measure, and also records the CPU seconds the proxy of that
# latency used meanwhile (proxy_cpu).
lat_measure() {				# lat_measure <name> <latency> <command...>
	local name=$1 l=$2 c0 c1 line
	shift 2
	c0=$(proc_cpu "${lat_pid[$l]}")
	line=$("$@") || awstore_die "measurement $name failed"
	c1=$(proc_cpu "${lat_pid[$l]}")
	echo "$name $line proxy_cpu=$(calc "$c1 - $c0")" >>"$results"
	awstore_log "$name: $(field_of "$line" items_per_s | xargs printf '%.0f') items/s"
}
lat_raw() {				# lat_raw <endpoint> <segments>
	"$PYTHON" "$bench_dir/raw_scan.py" --endpoint "$1" --server-pid "$dyn_pid" \
		--table "$lat_table" --segments "$2"
}
lat_boto() {				# lat_boto <endpoint> <segments>
	"$PYTHON" "$bench_dir/boto3_scan.py" --endpoint "$1" --server-pid "$dyn_pid" \
		--table "$lat_table" --mode client --segments "$2"
}
lat_aw() {				# lat_aw <latency> <segments>
	pgq "lat$1_seg$2" "$(q_all "lat$1_seg$2")"
}

# The most segments measured: the proxy's cost is shown there and
# sequentially.
lat_most() { tr ' ' '\n' <<<"1 $LAT_SEGMENTS" | sort -n | tail -n 1; }

# Every measurement of the latency part once.
latency_round() {
	local l n
	for n in 1 $(lat_most); do
		lat_measure "direct_raw_$n" 0 lat_raw "$endpoint" "$n"
		lat_measure "lat0_raw_$n" 0 lat_raw "${lat_endpoint[0]}" "$n"
	done
	for l in $LATENCIES; do
		for n in 1 $LAT_SEGMENTS; do
			lat_measure "lat${l}_raw_$n" "$l" lat_raw "${lat_endpoint[$l]}" "$n"
			lat_measure "lat${l}_boto3_$n" "$l" lat_boto "${lat_endpoint[$l]}" "$n"
			lat_measure "lat${l}_aw_$n" "$l" lat_aw "$l" "$n"
		done
	done
}

lat_trow() { printf '%-60s %8s  %-8s %s\n' "$@" | sed 's/ *$//'; }

# A label for a segment count: 1 is a sequential scan.
lat_segs() { [ "$1" = 1 ] && echo sequential || echo "$1 segments"; }

latency_report() {
	local l n c name secs v raw b3 aw r tsv=$work/out/latency.tsv
	declare -A client_label=([raw]="raw client" [aw]="awstore" [boto3]="boto3")
	echo
	echo "== (f) At a fixed added latency per request (test/faultproxy.py --latency-ms in front of dynalite;" \
		"$LAT_ITEMS items; median of $LAT_REPEAT) =="
	echo "the proxy's own cost: the raw client straight to dynalite, and through the proxy at 0 ms:"
	printf '  %-14s %10s %10s %7s %12s\n' "" "direct" "via proxy" "ratio" "proxy busy"
	for n in 1 $(lat_most); do
		secs=$(med "lat0_raw_$n" seconds)
		printf '  %-14s %10.0f %10.0f %7s %11s%%\n' "$(lat_segs "$n")" "$(med "direct_raw_$n" items_per_s)" \
			"$(med "lat0_raw_$n" items_per_s)" \
			"$(ratio "$(med "lat0_raw_$n" items_per_s)" "$(med "direct_raw_$n" items_per_s)")" \
			"$(calc "100 * $(med "lat0_raw_$n" proxy_cpu) / $secs")"
	done
	echo "  (proxy busy: the proxy's CPU / wall time; it is one Python process, so 100% would make it the limit)"

	echo
	echo "measurements (client: CPU seconds of the client process, or of the PostgreSQL backend for awstore;"
	echo " dyn busy, proxy busy: CPU of dynalite and of the proxy / wall time):"
	printf '  %-8s %-12s %-12s %9s %8s %6s %8s %9s %10s\n' latency client segments items/s seconds pages client "dyn busy" "proxy busy"
	for l in $LATENCIES; do
		for n in 1 $LAT_SEGMENTS; do
			for c in raw boto3 aw; do
				name=lat${l}_${c}_$n
				secs=$(med "$name" seconds)
				printf '  %-8s %-12s %-12s %9.0f %8.3f %6s %8.2f %8s%% %9s%%\n' "$l ms" "${client_label[$c]}" \
					"$(lat_segs "$n")" "$(med "$name" items_per_s)" "$secs" \
					"$(med "$name" pages | sed 's/nan/-/')" \
					"$(c=$(med "$name" client_cpu); [ "$c" = nan ] && c=$(med "$name" backend_cpu); echo "$c")" \
					"$(calc "100 * $(med "$name" server_cpu) / $secs")" \
					"$(calc "100 * $(med "$name" proxy_cpu) / $secs")"
			done
		done
	done

	echo
	echo "items/s (x raw: awstore / the raw client; x boto3: awstore / boto3, each at the same latency and segments;"
	echo " dyn busy: dynalite's CPU / wall time while the raw client read; near 100%, the server is the limit there):"
	printf '  %-8s %-12s %10s %10s %10s %8s %8s %9s\n' latency segments "raw client" awstore boto3 "x raw" "x boto3" "dyn busy"
	printf 'segments\tclient\tlatency_ms\titems_per_s\n' >"$tsv"
	for l in $LATENCIES; do
		printf '# segments\traw client\tawstore\tboto3\n' >"$work/out/latency_${l}ms.dat"
		for n in 1 $LAT_SEGMENTS; do
			raw=$(med "lat${l}_raw_$n" items_per_s)
			aw=$(med "lat${l}_aw_$n" items_per_s)
			b3=$(med "lat${l}_boto3_$n" items_per_s)
			printf '  %-8s %-12s %10.0f %10.0f %10.0f %8s %8s %8s%%\n' "$l ms" "$(lat_segs "$n")" "$raw" "$aw" "$b3" \
				"$(ratio "$aw" "$raw")" "$(ratio "$aw" "$b3")" \
				"$(calc "100 * $(med "lat${l}_raw_$n" server_cpu) / $(med "lat${l}_raw_$n" seconds)")"
			for c in raw aw boto3; do
				v=$(med "lat${l}_${c}_$n" items_per_s)
				printf '%s\t%s\t%s\t%.0f\n' "$n" "${client_label[$c]}" "$l" "$v" >>"$tsv"
			done
			printf '%s\t%.0f\t%.0f\t%.0f\n' "$n" "$raw" "$aw" "$b3" >>"$work/out/latency_${l}ms.dat"
		done
	done
	echo
	echo "plot-ready table ($tsv):"
	awk -F '\t' '{ printf "  %-9s %-11s %-11s %s\n", $1, $2, $3, $4 }' "$tsv"
	latency_chart

	echo
	lat_trow "target (f): at each latency and segment count" "figure" "wanted" "result"
	for l in $LATENCIES; do
		for n in 1 $LAT_SEGMENTS; do
			r=$(ratio "$(med "lat${l}_aw_$n" items_per_s)" "$(med "lat${l}_raw_$n" items_per_s)")
			lat_trow "awstore / raw client, $l ms, $(lat_segs "$n")" "$r" ">= 0.90" "$(at_least "$r" 0.9)"
		done
		for n in 1 $LAT_SEGMENTS; do
			r=$(ratio "$(med "lat${l}_aw_$n" items_per_s)" "$(med "lat${l}_boto3_$n" items_per_s)")
			lat_trow "awstore / boto3, $l ms, $(lat_segs "$n")" "$r" ">= 2.00" "$(at_least "$r" 2)"
		done
	done
}

# out/latency.png: items/s against segments, a line a client, a panel a
# latency; skipped with a note when gnuplot is not installed (CHART=0:
# skipped silently).
latency_chart() {
	local l plots="" panels=0 png=$work/out/latency.png xtics="" n
	[ "$CHART" = 0 ] && return 0
	if ! command -v gnuplot >/dev/null 2>&1; then
		echo "chart: skipped, gnuplot is not installed (Debian: gnuplot-nox; CHART=1 installs it)"
		return 0
	fi
	for n in 1 $LAT_SEGMENTS; do xtics+="${xtics:+, }\"$n\" $n"; done
	for l in $LATENCIES; do
		panels=$((panels + 1))
		plots+="set title '$l ms added to every request'
plot '$work/out/latency_${l}ms.dat' using 1:3 with linespoints lw 2 pt 7 title 'awstore', \\
     '' using 1:2 with linespoints lw 2 pt 5 title 'raw client', \\
     '' using 1:4 with linespoints lw 2 pt 9 title 'boto3'
"
	done
	if gnuplot 2>"$work/out/gnuplot.log" <<EOF; then
set terminal pngcairo size $((560 * panels)),460 font ',10'
set output '$png'
set multiplot layout 1,$panels title 'bench/scan: a full scan of $LAT_ITEMS items, dynalite behind a fixed latency'
set logscale x 2
set xtics ($xtics)
set xrange [0.8:$(lat_most).0 * 1.25]
set yrange [0:*]
set xlabel 'segments (1: sequential)'
set ylabel 'items/s'
set key top left
set grid
$plots
unset multiplot
EOF
		echo "chart: $png"
	else
		echo "chart: gnuplot failed (see $work/out/gnuplot.log)"
	fi
}
