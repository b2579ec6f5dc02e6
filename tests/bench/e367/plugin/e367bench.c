/*
 * Test-only oFono plugin for the psendurance E367 bench: plays udev's part
 * for one simulated Huawei E367. It watches a small key=value file written
 * by the dongle simulator (path in $E367BENCH_CONFIG):
 *
 *   plugged=1            0 = unplugged: no modem
 *   generation=N         a new N is a re-enumeration: remove, create anew
 *   modem=/dev/pts/A     the dongle's Modem (PPP) port
 *   pcui=/dev/pts/B      its Pcui (control) port
 *   syspath=DIR          the fake USB device (under the test sysfs root)
 *
 * and creates a modem with driver "huawei" carrying the strings udevng
 * would set, or removes it. A file poll, not inotify: the simulator
 * replaces the file with rename(), and 50 ms is far below what we measure.
 * Modems are created from the main loop, never from init(): the huawei
 * driver may not be registered yet when this plugin's init runs.
 *
 * GPL-2.0, as oFono. Built by the bench against ofono-dev's headers.
 */
#define OFONO_API_SUBJECT_TO_CHANGE
#include <string.h>
#include <stdlib.h>
#include <glib.h>
#include <ofono/plugin.h>
#include <ofono/modem.h>
#include <ofono/log.h>

struct wanted {
	gboolean plugged;
	char *generation;
	char *modem;
	char *pcui;
	char *syspath;
};

static struct ofono_modem *current;
static char *current_generation;
static guint poll_source;

static void wanted_clear(struct wanted *w)
{
	g_free(w->generation);
	g_free(w->modem);
	g_free(w->pcui);
	g_free(w->syspath);
	memset(w, 0, sizeof(*w));
}

static gboolean read_wanted(const char *path, struct wanted *w)
{
	char *text = NULL;
	char **lines;
	int i;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return FALSE;

	lines = g_strsplit(text, "\n", -1);
	g_free(text);

	for (i = 0; lines[i]; i++) {
		char *eq = strchr(lines[i], '=');
		const char *val;

		if (eq == NULL)
			continue;
		*eq = '\0';
		val = eq + 1;

		if (g_str_equal(lines[i], "plugged"))
			w->plugged = g_str_equal(val, "1");
		else if (g_str_equal(lines[i], "generation"))
			w->generation = g_strdup(val);
		else if (g_str_equal(lines[i], "modem"))
			w->modem = g_strdup(val);
		else if (g_str_equal(lines[i], "pcui"))
			w->pcui = g_strdup(val);
		else if (g_str_equal(lines[i], "syspath"))
			w->syspath = g_strdup(val);
	}
	g_strfreev(lines);
	return TRUE;
}

static void unplug(void)
{
	if (current == NULL)
		return;
	ofono_info("e367bench: removing modem (generation %s)",
						current_generation);
	ofono_modem_remove(current);
	current = NULL;
	g_free(current_generation);
	current_generation = NULL;
}

static void plug(const struct wanted *w)
{
	struct ofono_modem *modem;

	/* NULL name: oFono numbers the path (/huawei_0, /huawei_1, ...). */
	modem = ofono_modem_create(NULL, "huawei");
	if (modem == NULL)
		return;

	ofono_modem_set_string(modem, "Modem", w->modem);
	ofono_modem_set_string(modem, "Pcui", w->pcui);
	if (w->syspath)
		ofono_modem_set_string(modem, "SystemPath", w->syspath);

	if (ofono_modem_register(modem) < 0) {
		ofono_error("e367bench: modem register failed");
		ofono_modem_remove(modem);
		return;
	}

	ofono_info("e367bench: modem created (generation %s, modem %s, pcui %s)",
					w->generation, w->modem, w->pcui);
	current = modem;
	current_generation = g_strdup(w->generation);
}

static gboolean poll_config(gpointer user_data)
{
	const char *path = user_data;
	struct wanted w = { 0 };

	if (!read_wanted(path, &w))
		return TRUE;

	if (!w.plugged || w.modem == NULL || w.pcui == NULL) {
		unplug();
	} else if (current == NULL ||
			g_strcmp0(current_generation, w.generation) != 0) {
		unplug();
		plug(&w);
	}

	wanted_clear(&w);
	return TRUE;
}

static int e367bench_init(void)
{
	const char *path = getenv("E367BENCH_CONFIG");

	if (path == NULL || *path == '\0') {
		ofono_info("e367bench: E367BENCH_CONFIG unset; idle");
		return 0;
	}

	ofono_info("e367bench: watching %s", path);
	poll_source = g_timeout_add_full(G_PRIORITY_DEFAULT, 50, poll_config,
						g_strdup(path), g_free);
	return 0;
}

static void e367bench_exit(void)
{
	if (poll_source)
		g_source_remove(poll_source);
	poll_source = 0;
	unplug();
}

OFONO_PLUGIN_DEFINE(e367bench, "psendurance E367 bench", OFONO_VERSION,
		OFONO_PLUGIN_PRIORITY_DEFAULT, e367bench_init, e367bench_exit)
