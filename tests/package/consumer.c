/* Assembles a 2 x 2 matrix from 3 triplets (two duplicates) and pulls back. */
#include <stdio.h>

#include <spgrad.h>

int main(void)
{
    const int32_t I[] = {0, 1, 0}, J[] = {0, 1, 0};
    const double V[] = {1.5, 2.0, 0.25};
    const spg_coo coo = {2, 2, 3, SPG_INT32, I, J};
    spg_context *ctx = NULL;
    spg_plan *plan = NULL;
    double Ax[2], dAx[2] = {1.0, 10.0}, dV[3] = {0, 0, 0};
    if (spg_context_create(SPG_BACKEND_CPU, &ctx) || spg_plan_create(ctx, &coo, 0, &plan) ||
        spg_assemble(ctx, plan, SPG_DOUBLE, V, Ax) ||
        spg_assemble_pullback(ctx, plan, SPG_DOUBLE, dAx, dV))
        return 1;
    int ok = spg_plan_nnz(plan) == 2 && Ax[0] == 1.75 && Ax[1] == 2.0 && dV[0] == 1.0 &&
             dV[1] == 10.0 && dV[2] == 1.0;
    printf("spgrad %s: %s\n", spg_version(), ok ? "consumer ok" : "consumer FAILED");
    spg_plan_destroy(plan);
    spg_context_destroy(ctx);
    return ok ? 0 : 1;
}
