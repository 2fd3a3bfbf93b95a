#!/bin/sh
# "Compiles" the backend: concatenates the sources and the dependencies into an app directory.
set -eu
out=$1
mkdir -p "$out"
sleep 3 # stands for the compiler's time
cat backend/*.txt > "$out/app.bin"
cat /deps/*.lib | md5sum > "$out/deps.sum"
cat > "$out/run" <<'RUN'
#!/bin/sh
echo "app: $(cat /app/app.bin)"
echo "assets: $(ls /app/assets)"
RUN
chmod +x "$out/run"
