// actlab/actlab.h — everything public in libactlab.
#ifndef ACTLAB_ACTLAB_H_
#define ACTLAB_ACTLAB_H_

#include "actlab/activation.h"
#include "actlab/catalog.h"
#include "actlab/error.h"
#include "actlab/glu.h"
#include "actlab/loss.h"
#include "actlab/reference.h"
#include "actlab/softmax.h"
#include "actlab/threads.h"
#include "actlab/version.h"

#endif  // ACTLAB_ACTLAB_H_
