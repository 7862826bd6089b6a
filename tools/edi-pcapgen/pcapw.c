#include "pcapw.h"

#include <errno.h>
#include <string.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define LINKTYPE_ETHERNET 1

static char stdout_buf[1 << 16];

int pcapw_open(struct pcapw *w, const char *path, uint32_t snaplen)
{
	uint32_t hdr[6] = { PCAP_MAGIC_US, 2 | (4u << 16), 0, 0, snaplen, LINKTYPE_ETHERNET };

	memset(w, 0, sizeof(*w));
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
		setvbuf(w->f, stdout_buf, _IOFBF, sizeof(stdout_buf));
	} else {
		w->f = fopen(path, "wb");
		if (!w->f)
			return -errno;
		setvbuf(w->f, NULL, _IOFBF, 1 << 16);
	}
	/* version 2.4, thiszone 0, sigfigs 0 (host byte order, as libpcap writes) */
	if (fwrite(hdr, sizeof(hdr), 1, w->f) != 1)
		return -EIO;
	return 0;
}

int pcapw_write(struct pcapw *w, uint64_t ts_us, const void *frame, uint32_t len)
{
	uint32_t rec[4] = { (uint32_t)(ts_us / 1000000), (uint32_t)(ts_us % 1000000), len, len };

	if (fwrite(rec, sizeof(rec), 1, w->f) != 1 || fwrite(frame, len, 1, w->f) != 1)
		return -EIO;
	w->frames++;
	w->bytes += len;
	return 0;
}

int pcapw_close(struct pcapw *w)
{
	int err = 0;

	if (!w->f)
		return 0;
	if (fflush(w->f) != 0 || ferror(w->f))
		err = -EIO;
	if (w->f != stdout && fclose(w->f) != 0 && !err)
		err = -errno;
	w->f = NULL;
	return err;
}
